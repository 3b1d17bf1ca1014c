package io.flycast.e2e;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;

/**
 * One request the embedded API recorded, decoded into the terms RBAC speaks: verb, API group,
 * resource (with subresource), the namespace it is in (null: cluster-scoped, or every namespace)
 * and object name. Discovery paths decode to empty (every authenticated user may read them).
 */
record ApiRequest(
    String agent, String verb, String group, String resource, String namespace, String name) {

  /** A line of the request log: {@code <user-agent>\t<method>\t<path>}. */
  static Optional<ApiRequest> parse(String line) {
    String[] f = line.split("\t");
    return f.length != 3 ? Optional.empty() : of(f[0], f[1], f[2]);
  }

  static Optional<ApiRequest> of(String agent, String method, String path) {
    URI uri = URI.create(path);
    String[] p = uri.getPath().replaceAll("^/|/$", "").split("/");
    int i;
    String group;
    if (p.length >= 3 && p[0].equals("api")) {
      group = "";
      i = 2;
    } else if (p.length >= 4 && p[0].equals("apis")) {
      group = p[1];
      i = 3;
    } else {
      return Optional.empty(); // /api, /apis, /version, /apis/<group>
    }
    String namespace = null;
    if (i + 1 < p.length && p[i].equals("namespaces") && p.length > i + 2) {
      namespace = p[i + 1];
      i += 2; // namespaced resource
    }
    String resource = p[i];
    String name = i + 1 < p.length ? p[i + 1] : null;
    if (i + 2 < p.length) {
      resource = resource + "/" + p[i + 2];
    }
    boolean watch = uri.getQuery() != null && uri.getQuery().contains("watch=true");
    String verb =
        switch (method) {
          case "GET" -> watch ? "watch" : name == null ? "list" : "get";
          case "POST" -> "create";
          case "PUT" -> "update";
          case "PATCH" -> "patch";
          case "DELETE" -> name == null ? "deletecollection" : "delete";
          default -> method.toLowerCase(Locale.ROOT);
        };
    return Optional.of(new ApiRequest(agent, verb, group, resource, namespace, name));
  }

  String grant() {
    return verb + " " + (group.isEmpty() ? "core" : group) + "/" + resource;
  }

  /** The grant, and where: {@code list core/secrets in web}, or {@code ... cluster-wide}. */
  String grantWhere() {
    return grant() + (namespace == null ? " cluster-wide" : " in " + namespace);
  }
}
