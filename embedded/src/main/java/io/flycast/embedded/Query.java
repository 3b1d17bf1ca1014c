package io.flycast.embedded;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** A request's query parameters ({@code dryRun}, {@code fieldValidation}, {@code watch}, ...). */
record Query(Map<String, String> params) {
  static Query parse(String query) {
    Map<String, String> params = new HashMap<>();
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      params.putIfAbsent(k, v);
    }
    return new Query(Map.copyOf(params));
  }

  String get(String name) {
    return params.get(name);
  }

  /** {@code dryRun=All}: answer as if done, store nothing. */
  boolean dryRun() {
    return "All".equals(params.get("dryRun"));
  }

  /** {@code fieldValidation=Strict}: an unknown field is an error, not a warning. */
  boolean strict() {
    return "Strict".equals(params.get("fieldValidation"));
  }
}
