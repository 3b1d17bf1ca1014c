package io.flycast.informer;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * An informer store that keeps each object as {@code trim} leaves it. The trims of {@link Trim}
 * work on the object the informer just read (it is nobody else's yet), so the handlers the informer
 * then calls get the same trimmed object the store keeps, and see what a later read of the store
 * sees.
 *
 * <p>Keys are the informers' default ({@code namespace/name}), as Fabric8 and JOSDK expect.
 */
public class TrimmedItemStore<T extends HasMetadata> implements ItemStore<T> {
  private final ConcurrentHashMap<String, T> items = new ConcurrentHashMap<>();
  private final UnaryOperator<T> trim;

  public TrimmedItemStore(UnaryOperator<T> trim) {
    this.trim = trim;
  }

  @Override
  public String getKey(T obj) {
    return Cache.metaNamespaceKeyFunc(obj);
  }

  @Override
  public T put(String key, T obj) {
    return items.put(key, trim.apply(obj));
  }

  @Override
  public T remove(String key) {
    return items.remove(key);
  }

  @Override
  public Stream<String> keySet() {
    return items.keySet().stream();
  }

  @Override
  public Stream<T> values() {
    return items.values().stream();
  }

  @Override
  public int size() {
    return items.size();
  }

  @Override
  public T get(String key) {
    return items.get(key);
  }
}
