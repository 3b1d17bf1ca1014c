package io.flycast.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Owner-reference garbage collection, as the API server's garbage collector does it (background
 * propagation): when an object is deleted, every object whose {@code ownerReferences} name its uid
 * is deleted too, and theirs in turn.
 */
final class GarbageCollector {
  private final EmbeddedApiDispatcher store;
  private final List<ApiResource> resources;

  GarbageCollector(EmbeddedApiDispatcher store, List<ApiResource> resources) {
    this.store = store;
    this.resources = resources;
  }

  void collect(String deletedUid) {
    if (deletedUid.isEmpty()) {
      return;
    }
    Deque<String> owners = new ArrayDeque<>();
    owners.add(deletedUid);
    while (!owners.isEmpty()) {
      String owner = owners.poll();
      for (ApiResource r : resources) {
        String base =
            r.group().isEmpty() ? "/api/" + r.version() : "/apis/" + r.group() + "/" + r.version();
        JsonNode list = store.storeGet(base + "/" + r.plural());
        if (list == null) {
          continue;
        }
        for (JsonNode item : list.path("items")) {
          JsonNode meta = item.path("metadata");
          for (JsonNode ref : meta.path("ownerReferences")) {
            if (owner.equals(ref.path("uid").asText())) {
              String ns = meta.path("namespace").asText("");
              String path =
                  base
                      + (r.namespaced() && !ns.isEmpty() ? "/namespaces/" + ns : "")
                      + "/"
                      + r.plural()
                      + "/"
                      + meta.path("name").asText();
              store.store(
                  new RecordedRequest(
                      "DELETE " + path + " HTTP/1.1",
                      HttpMethod.DELETE,
                      path,
                      Headers.builder().build(),
                      new io.fabric8.mockwebserver.http.Buffer()));
              owners.add(meta.path("uid").asText());
              break;
            }
          }
        }
      }
    }
  }
}
