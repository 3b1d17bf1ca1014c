package io.flycast.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/** The CRDs in the store: a custom resource's schema, read from its CRD when asked. */
final class CustomResources {
  private final EmbeddedApiDispatcher store;

  CustomResources(EmbeddedApiDispatcher store) {
    this.store = store;
  }

  /** The CRD of {@code plural.group}, or empty (a built-in type, or no such CRD). */
  Optional<JsonNode> crd(String group, String plural) {
    if (group.isEmpty() || !group.contains(".") || group.endsWith(".k8s.io")) {
      return Optional.empty();
    }
    return Optional.ofNullable(
        store.storeGet(
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/" + plural + "." + group));
  }

  /** The served version's entry of the CRD ({@code spec.versions[]}). */
  Optional<JsonNode> version(String group, String version, String plural) {
    return crd(group, plural)
        .flatMap(
            crd -> {
              for (JsonNode v : crd.path("spec").path("versions")) {
                if (version.equals(v.path("name").asText())) {
                  return Optional.of(v);
                }
              }
              return Optional.empty();
            });
  }

  Optional<JsonNode> schema(String group, String version, String plural) {
    return version(group, version, plural)
        .map(v -> v.path("schema").path("openAPIV3Schema"))
        .filter(JsonNode::isObject);
  }

  Optional<JsonNode> schema(ApiResource r) {
    return schema(r.group(), r.version(), r.plural());
  }
}
