package io.flycast.e2e;

import java.net.URI;
import java.util.Optional;

/**
 * One request the embedded API recorded, decoded into the terms RBAC speaks: verb, API group,
 * resource (with subresource) and object name. Discovery paths decode to empty (every
 * authenticated user may read them).
 */
record ApiRequest(String agent, String verb, String group, String resource, String name) {

  static Optional<ApiRequest> parse(String line) {
    String[] f = line.split("\t");
    if (f.length != 3) {
      return Optional.empty();
    }
    URI uri = URI.create(f[2]);
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
    if (i + 1 < p.length && p[i].equals("namespaces") && p.length > i + 2) {
      i += 2; // namespaced resource
    }
    String resource = p[i];
    String name = i + 1 < p.length ? p[i + 1] : null;
    if (i + 2 < p.length) {
      resource = resource + "/" + p[i + 2];
    }
    boolean watch = uri.getQuery() != null && uri.getQuery().contains("watch=true");
    String verb = switch (f[1]) {
      case "GET" -> watch ? "watch" : name == null ? "list" : "get";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> name == null ? "deletecollection" : "delete";
      default -> f[1].toLowerCase();
    };
    return Optional.of(new ApiRequest(f[0], verb, group, resource, name));
  }

  String grant() {
    return verb + " " + (group.isEmpty() ? "core" : group) + "/" + resource;
  }
}
