package io.flycast.control.translate;

import io.flycast.api.CacheSpec;
import io.flycast.catalog.CacheSettings;
import java.util.List;
import java.util.Locale;

/**
 * Reads a route's response cache from {@code spec.cache} or the {@code fly.io/cache} annotation.
 * Sizes that cannot be used (not a size, zero or negative, an entry larger than the cache, a cache
 * larger than the replica's {@code --cache-max-size}) are reported, naming the field, and the route
 * serves without a cache rather than not at all.
 */
final class CacheRule {
  static final String SERVES_WITHOUT = "; the route serves without a cache until it is fixed";

  private CacheRule() {}

  /** {@code spec.cache}; null when absent, disabled or unusable (then a problem says why). */
  static CacheSettings fromSpec(CacheSpec spec, long replicaMax, List<String> problems) {
    if (spec == null || spec.enabled == null || !spec.enabled) {
      return null;
    }
    return build(
        spec.maxSize,
        spec.maxEntrySize,
        "spec.cache.maxSize",
        "spec.cache.maxEntrySize",
        replicaMax,
        problems);
  }

  /**
   * The annotation's value: {@code true}, or {@code max-size=64Mi,max-entry-size=1Mi}; null when
   * absent, {@code false}, or unusable (then a problem says why).
   */
  static CacheSettings fromAnnotation(
      String annotation, String value, long replicaMax, List<String> problems) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String v = value.trim().toLowerCase(Locale.ROOT);
    if (v.equals("false") || v.equals("off")) {
      return null;
    }
    String max = null;
    String entry = null;
    if (!v.equals("true") && !v.equals("on")) {
      for (String part : value.split(",")) {
        int eq = part.indexOf('=');
        String name = eq < 0 ? part.trim() : part.substring(0, eq).trim();
        String val = eq < 0 ? "" : part.substring(eq + 1).trim();
        switch (name) {
          case "max-size" -> max = val;
          case "max-entry-size" -> entry = val;
          default -> {
            problems.add(
                "annotation "
                    + annotation
                    + "=\""
                    + value
                    + "\": unknown setting '"
                    + name
                    + "' (expected true, false, or max-size, max-entry-size)"
                    + SERVES_WITHOUT);
            return null;
          }
        }
      }
    }
    String where = "annotation " + annotation + " ";
    return build(max, entry, where + "max-size", where + "max-entry-size", replicaMax, problems);
  }

  private static CacheSettings build(
      String maxSize,
      String maxEntrySize,
      String maxField,
      String entryField,
      long replicaMax,
      List<String> problems) {
    long max;
    long entry;
    try {
      max =
          maxSize == null
              ? Math.min(CacheSettings.DEFAULT_MAX_BYTES, replicaMax)
              : size(maxSize, maxField);
      entry =
          maxEntrySize == null
              ? Math.min(CacheSettings.DEFAULT_MAX_ENTRY_BYTES, max)
              : size(maxEntrySize, entryField);
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage() + SERVES_WITHOUT);
      return null;
    }
    String problem = null;
    if (max > replicaMax) {
      problem =
          maxField
              + " is "
              + maxSize
              + ", larger than the proxy's whole cache (--cache-max-size "
              + CacheSettings.size(replicaMax)
              + ")";
    } else if (entry > max) {
      problem =
          entryField
              + " is "
              + maxEntrySize
              + ", larger than the route's cache ("
              + CacheSettings.size(max)
              + ")";
    }
    if (problem != null) {
      problems.add(problem + SERVES_WITHOUT);
      return null;
    }
    return new CacheSettings(max, entry);
  }

  /** The size in a field, or an exception whose message names the field. */
  static long size(String value, String field) {
    try {
      return CacheSettings.parseSize(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
    }
  }
}
