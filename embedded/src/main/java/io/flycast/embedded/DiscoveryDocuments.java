package io.flycast.embedded;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The discovery documents kubectl reads before it sends anything: {@code /api}, {@code /apis},
 * {@code /api/v1}, {@code /apis/<group>[/<version>]} and {@code /version}, built once from the
 * served resources.
 */
final class DiscoveryDocuments {
  private static final List<String> VERBS =
      List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

  private final Map<String, String> discovery = new LinkedHashMap<>();

  DiscoveryDocuments(List<ApiResource> served) {
    discovery.put(
        "/api",
        "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":[]}");
    Map<String, List<ApiResource>> byGroupVersion = new LinkedHashMap<>();
    for (ApiResource r : served) {
      byGroupVersion
          .computeIfAbsent(
              r.group().isEmpty() ? r.version() : r.group() + "/" + r.version(),
              k -> new ArrayList<>())
          .add(r);
    }
    List<String> groups = new ArrayList<>();
    byGroupVersion.forEach(
        (gv, list) -> {
          String path = gv.contains("/") ? "/apis/" + gv : "/api/" + gv;
          discovery.put(path, resourceList(gv, list));
          if (gv.contains("/")) {
            String group = gv.substring(0, gv.indexOf('/'));
            String gvJson =
                "{\"groupVersion\":\""
                    + gv
                    + "\",\"version\":\""
                    + gv.substring(gv.indexOf('/') + 1)
                    + "\"}";
            groups.add(
                "{\"name\":\""
                    + group
                    + "\",\"versions\":["
                    + gvJson
                    + "],\"preferredVersion\":"
                    + gvJson
                    + "}");
            discovery.put(
                "/apis/" + group,
                "{\"kind\":\"APIGroup\",\"apiVersion\":\"v1\",\"name\":\""
                    + group
                    + "\",\"versions\":["
                    + gvJson
                    + "],\"preferredVersion\":"
                    + gvJson
                    + "}");
          }
        });
    discovery.put(
        "/apis",
        "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":["
            + String.join(",", groups)
            + "]}");
    discovery.put(
        "/version",
        "{\"major\":\"1\",\"minor\":\"32\",\"gitVersion\":\"v1.32.0-flycast-embedded\",\"platform\":\"linux/amd64\"}");
  }

  private static String resourceList(String gv, List<ApiResource> list) {
    List<String> items = new ArrayList<>();
    String verbs = "[\"" + String.join("\",\"", VERBS) + "\"]";
    for (ApiResource r : list) {
      String shortNames =
          r.shortNames().isEmpty()
              ? ""
              : ",\"shortNames\":[\"" + String.join("\",\"", r.shortNames()) + "\"]";
      items.add(
          "{\"name\":\""
              + r.plural()
              + "\",\"singularName\":\""
              + r.kind().toLowerCase(Locale.ROOT)
              + "\",\"namespaced\":"
              + r.namespaced()
              + ",\"kind\":\""
              + r.kind()
              + "\",\"verbs\":"
              + verbs
              + shortNames
              + "}");
      for (String sub : r.subresources()) {
        items.add(
            "{\"name\":\""
                + r.plural()
                + "/"
                + sub
                + "\",\"singularName\":\"\",\"namespaced\":"
                + r.namespaced()
                + ",\"kind\":\""
                + ("scale".equals(sub) ? "Scale" : r.kind())
                + "\",\"verbs\":[\"get\",\"patch\",\"update\"]}");
      }
    }
    return "{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\",\"groupVersion\":\""
        + gv
        + "\",\"resources\":["
        + String.join(",", items)
        + "]}";
  }

  /** The document at {@code path}, or null. */
  String get(String path) {
    return discovery.get(path);
  }
}
