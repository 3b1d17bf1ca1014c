package io.flycast.embedded;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A request path read as the API server reads it: {@code /api/v1} or {@code /apis/GROUP/VERSION},
 * then an optional {@code namespaces/NS}, the resource, an optional name and subresource.
 */
record ResourcePath(
    String group,
    String version,
    String namespace,
    String plural,
    String name,
    String subresource) {

  static Optional<ResourcePath> parse(String bare) {
    List<String> s = Arrays.stream(bare.split("/")).filter(p -> !p.isEmpty()).toList();
    int i;
    String group;
    if (s.size() >= 3 && s.get(0).equals("api")) {
      group = "";
      i = 1;
    } else if (s.size() >= 4 && s.get(0).equals("apis")) {
      group = s.get(1);
      i = 2;
    } else {
      return Optional.empty();
    }
    String version = s.get(i++);
    String namespace = null;
    // namespaces/NS/<resource>..., but namespaces/NS and namespaces/NS/status|finalize are the
    // Namespace object itself.
    if (s.size() - i >= 3
        && s.get(i).equals("namespaces")
        && !s.get(i + 2).equals("status")
        && !s.get(i + 2).equals("finalize")) {
      namespace = s.get(i + 1);
      i += 2;
    }
    String plural = s.get(i++);
    String name = i < s.size() ? s.get(i++) : null;
    String sub = i < s.size() ? s.get(i) : null;
    return Optional.of(new ResourcePath(group, version, namespace, plural, name, sub));
  }

  ResourcePath withName(String other) {
    return new ResourcePath(group, version, namespace, plural, other, null);
  }

  /** The path of the object itself (no subresource). */
  String objectPath() {
    return collectionPath() + "/" + name;
  }

  String collectionPath() {
    String base = group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version;
    return base + (namespace == null ? "" : "/namespaces/" + namespace) + "/" + plural;
  }
}
