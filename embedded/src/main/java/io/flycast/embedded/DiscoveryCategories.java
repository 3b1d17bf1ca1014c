package io.flycast.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code categories} and the short names that a real server lists in each APIResourceList
 * ({@code /api/v1}, {@code /apis/<group>/<version>}): {@code kubectl get all} asks for every
 * resource in the category {@code all}, {@code kubectl get crd} resolves a short name. A custom
 * resource's come from its CRD's {@code spec.names}, read when discovery is asked, as the real
 * server serves them. (kubectl 1.32 first asks {@code /api} and {@code /apis} for aggregated
 * discovery; this API answers the legacy documents, which kubectl then reads per group-version.)
 */
final class DiscoveryCategories {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The built-in resources in the category {@code all} (kubectl's {@code get all}). */
  static final Set<String> ALL =
      Set.of(
          "pods",
          "services",
          "deployments",
          "replicasets",
          "statefulsets",
          "daemonsets",
          "jobs",
          "cronjobs",
          "replicationcontrollers",
          "horizontalpodautoscalers");

  /** Short names the dispatcher's own table leaves out. */
  private static final Map<String, List<String>> MORE_SHORT_NAMES =
      Map.of(
          "customresourcedefinitions", List.of("crd", "crds"),
          "daemonsets", List.of("ds"),
          "replicationcontrollers", List.of("rc"),
          "cronjobs", List.of("cj"),
          "horizontalpodautoscalers", List.of("hpa"),
          "serviceaccounts", List.of("sa"));

  private final CustomResources customResources;

  DiscoveryCategories(CustomResources customResources) {
    this.customResources = customResources;
  }

  /** {@code doc} with categories and short names, if it is an APIResourceList. */
  String decorate(String doc) {
    JsonNode list;
    try {
      list = JSON.readTree(doc);
    } catch (IOException e) {
      return doc;
    }
    if (!"APIResourceList".equals(list.path("kind").asText())) {
      return doc;
    }
    String gv = list.path("groupVersion").asText();
    String group = gv.contains("/") ? gv.substring(0, gv.indexOf('/')) : "";
    for (JsonNode r : list.path("resources")) {
      String name = r.path("name").asText();
      if (name.contains("/") || !(r instanceof ObjectNode resource)) {
        continue;
      }
      var crd = customResources.crd(group, name);
      if (crd.isPresent()) {
        JsonNode names = crd.get().path("spec").path("names");
        copy(names.path("categories"), resource, "categories");
        copy(names.path("shortNames"), resource, "shortNames");
        continue;
      }
      if (ALL.contains(name)) {
        resource.putArray("categories").add("all");
      }
      List<String> shortNames = MORE_SHORT_NAMES.getOrDefault(name, List.of());
      if (!shortNames.isEmpty() && !resource.has("shortNames")) {
        ArrayNode a = resource.putArray("shortNames");
        shortNames.forEach(a::add);
      }
    }
    return list.toString();
  }

  private static void copy(JsonNode from, ObjectNode to, String field) {
    if (from.isArray() && !from.isEmpty()) {
      to.set(field, from.deepCopy());
    } else {
      to.remove(field);
    }
  }
}
