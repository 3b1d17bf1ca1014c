package io.flycast.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The objects of {@link ScaleApiServer}: per resource (its collection path, e.g. {@code
 * /api/v1/pods}) a sorted map of {@code namespace/name} to the object's JSON, one resourceVersion
 * counter for all, and a log of every change so a watch can start at any version. Objects are kept
 * as text and parsed only when written or filtered by a selector: 120,000 of them as text are about
 * a gigabyte, as parsed trees several.
 */
final class ApiObjects {
  static final ObjectMapper JSON = new ObjectMapper();

  /** A kept object: its JSON and resourceVersion. */
  record Stored(String json, long rv) {}

  /**
   * A change, for watches: ADDED, MODIFIED or DELETED, and the object after it (before, when
   * deleted).
   */
  record Change(long rv, String type, String key, String json) {}

  /** One resource's objects, its changes, and the watches on it. */
  static final class Resource {
    final NavigableMap<String, Stored> objects = new ConcurrentSkipListMap<>();
    final List<Change> changes = new ArrayList<>();
    final List<Consumer<Change>> watches = new CopyOnWriteArrayList<>();
    volatile String kind = "";
  }

  private final Map<String, Resource> resources = new ConcurrentHashMap<>();
  private long version;

  Resource resource(String path) {
    return resources.computeIfAbsent(path, p -> new Resource());
  }

  /** The next resourceVersion, for an object about to be stored. */
  synchronized long nextVersion() {
    return ++version;
  }

  synchronized long version() {
    return version;
  }

  /**
   * Stores an object whose JSON already carries {@code rv} (the initial load: no change logged).
   */
  void load(String path, String key, String kind, String json, long rv) {
    Resource r = resource(path);
    r.kind = kind;
    r.objects.put(key, new Stored(json, rv));
  }

  /**
   * Creates, replaces or deletes ({@code after} null) an object and tells its watches, under one
   * lock so that versions and the change log stay in order. {@code write} gets the current object
   * (or null) and a new resourceVersion, and returns the new object, or throws to refuse.
   */
  synchronized Stored write(String path, String key, WriteFunction write) {
    Resource r = resource(path);
    Stored before = r.objects.get(key);
    long rv = version + 1;
    ObjectNode after = write.apply(before == null ? null : parse(before.json()), rv);
    version = rv;
    Change change;
    Stored stored;
    if (after == null) {
      r.objects.remove(key);
      change = new Change(rv, "DELETED", key, before.json());
      stored = before;
    } else {
      metadata(after).put("resourceVersion", Long.toString(rv));
      stored = new Stored(after.toString(), rv);
      if (after.hasNonNull("kind")) {
        r.kind = after.get("kind").asText();
      }
      r.objects.put(key, stored);
      change = new Change(rv, before == null ? "ADDED" : "MODIFIED", key, stored.json());
    }
    r.changes.add(change);
    r.watches.forEach(w -> w.accept(change));
    return stored;
  }

  /** Computes an object from the one stored (null when none) and the version it will carry. */
  @FunctionalInterface
  interface WriteFunction {
    ObjectNode apply(ObjectNode current, long rv);
  }

  /**
   * Starts a watch: replays the changes after {@code fromRv} that {@code filter} accepts, then
   * passes on each new one, in order; returns what stops it.
   */
  synchronized Runnable watch(
      String path, long fromRv, Predicate<Change> filter, Consumer<Change> sink) {
    Resource r = resource(path);
    for (Change c : r.changes) {
      if (c.rv() > fromRv && filter.test(c)) {
        sink.accept(c);
      }
    }
    Consumer<Change> w =
        c -> {
          if (filter.test(c)) {
            sink.accept(c);
          }
        };
    r.watches.add(w);
    return () -> r.watches.remove(w);
  }

  /**
   * Objects of a resource from {@code afterKey} (exclusive; null: from the start), in key order.
   */
  Iterator<Map.Entry<String, Stored>> from(String path, String afterKey) {
    NavigableMap<String, Stored> all = resource(path).objects;
    return (afterKey == null ? all : all.tailMap(afterKey, false)).entrySet().iterator();
  }

  /** The object's metadata, made when it has none. */
  static ObjectNode metadata(ObjectNode obj) {
    return obj.get("metadata") instanceof ObjectNode m ? m : obj.putObject("metadata");
  }

  static ObjectNode parse(String json) {
    try {
      return (ObjectNode) JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A JSON node at a dotted path ({@code metadata.name}), or a missing node. */
  static JsonNode at(JsonNode node, String dotted) {
    JsonNode n = node;
    for (String part : dotted.split("\\.")) {
      n = n.path(part);
    }
    return n;
  }
}
