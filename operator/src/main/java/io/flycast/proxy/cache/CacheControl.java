package io.flycast.proxy.cache;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The directives of a message's {@code Cache-Control} field lines (RFC 9111 section 5.2), by
 * lower-cased name, with their values unquoted. Unknown directives are kept and ignored, as the RFC
 * asks. A directive given twice keeps its first value.
 */
record CacheControl(Map<String, String> directives) {
  static final CacheControl NONE = new CacheControl(Map.of());

  static CacheControl parse(List<String> fieldLines) {
    if (fieldLines.isEmpty()) {
      return NONE;
    }
    Map<String, String> d = new HashMap<>();
    for (String line : fieldLines) {
      for (String part : splitOutsideQuotes(line)) {
        int eq = part.indexOf('=');
        String name = (eq < 0 ? part : part.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
        if (name.isEmpty()) {
          continue;
        }
        String value = eq < 0 ? "" : part.substring(eq + 1).trim();
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
          value = value.substring(1, value.length() - 1);
        }
        d.putIfAbsent(name, value);
      }
    }
    return new CacheControl(d);
  }

  boolean has(String name) {
    return directives.containsKey(name);
  }

  /**
   * A delta-seconds directive's value; -1 when absent. A value that is not a number counts as 0
   * (RFC 9111 section 4.2.1 asks to treat an invalid freshness as stale), a huge one as 2^31.
   */
  long seconds(String name) {
    String v = directives.get(name);
    if (v == null) {
      return -1;
    }
    if (v.isEmpty() || !v.chars().allMatch(Character::isDigit)) {
      return 0;
    }
    return v.length() > 10 ? 1L << 31 : Math.min(Long.parseLong(v), 1L << 31);
  }

  private static List<String> splitOutsideQuotes(String line) {
    var parts = new java.util.ArrayList<String>();
    boolean quoted = false;
    int start = 0;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        parts.add(line.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(line.substring(start));
    return parts;
  }
}
