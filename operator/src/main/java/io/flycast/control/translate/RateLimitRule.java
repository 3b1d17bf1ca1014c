package io.flycast.control.translate;

import io.flycast.api.RateLimitSpec;
import io.flycast.catalog.RateLimit;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Reads a route's rate limit from {@code spec.rateLimit} or the {@code fly.io/rate-limit}
 * annotation. A limit that cannot be used (a rate or burst below 1, an unknown period or key) is
 * reported, naming the value and what is accepted, and left out: the route serves without a limit
 * rather than not at all.
 */
final class RateLimitRule {
  /** An HTTP field name (RFC 9110 section 5.1: a token). */
  private static final Pattern FIELD_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  static final String HEADER_KEY = "header:";
  static final String CLIENT_IP_KEY = "client-ip";
  static final String SERVES_WITHOUT = "; the route serves without a rate limit until it is fixed";

  private RateLimitRule() {}

  /** {@code spec.rateLimit}; null when absent or unusable (then a problem says why). */
  static RateLimit fromSpec(RateLimitSpec spec, List<String> problems) {
    if (spec == null) {
      return null;
    }
    String per = spec.per == null ? null : spec.per.name().toLowerCase(Locale.ROOT);
    return build(spec.rate, spec.burst, per, spec.key, "spec.rateLimit", problems);
  }

  /**
   * The annotation's value, {@code rate=10,burst=20,per=second,key=header:x-api-key} (only rate is
   * required); null when absent or unusable (then a problem says why).
   */
  static RateLimit fromAnnotation(String annotation, String value, List<String> problems) {
    if (value == null || value.isBlank()) {
      return null;
    }
    Integer rate = null;
    Integer burst = null;
    String per = null;
    String key = null;
    String where = "annotation " + annotation;
    for (String part : value.split(",")) {
      int eq = part.indexOf('=');
      String name = eq < 0 ? part.trim() : part.substring(0, eq).trim();
      String v = eq < 0 ? "" : part.substring(eq + 1).trim();
      try {
        switch (name) {
          case "rate" -> rate = Integer.valueOf(v);
          case "burst" -> burst = Integer.valueOf(v);
          case "per" -> per = v;
          case "key" -> key = v;
          default -> {
            problems.add(
                where
                    + "=\""
                    + value
                    + "\": unknown setting '"
                    + name
                    + "' (expected rate, burst, per, key)"
                    + SERVES_WITHOUT);
            return null;
          }
        }
      } catch (NumberFormatException e) {
        problems.add(where + ": " + name + "=" + v + " is not a whole number" + SERVES_WITHOUT);
        return null;
      }
    }
    return build(rate, burst, per, key, where, problems);
  }

  private static RateLimit build(
      Integer rate, Integer burst, String per, String key, String where, List<String> problems) {
    String problem = null;
    if (rate == null) {
      problem = "rate is missing";
    } else if (rate < 1) {
      problem = "rate is " + rate + "; it must be at least 1";
    } else if (burst != null && burst < 1) {
      problem = "burst is " + burst + "; it must be at least 1";
    }
    Duration period = null;
    if (per == null || per.equals("second")) {
      period = Duration.ofSeconds(1);
    } else if (per.equals("minute")) {
      period = Duration.ofMinutes(1);
    } else if (problem == null) {
      problem = "per is '" + per + "'; expected second or minute";
    }
    String header = null;
    if (key != null && !key.isBlank() && !key.equals(CLIENT_IP_KEY)) {
      header = key.startsWith(HEADER_KEY) ? key.substring(HEADER_KEY.length()).trim() : "";
      if (!FIELD_NAME.matcher(header).matches() && problem == null) {
        problem = "key is '" + key + "'; expected client-ip or header:<name>";
      }
    }
    if (problem != null) {
      problems.add(where + ": " + problem + SERVES_WITHOUT);
      return null;
    }
    return new RateLimit(rate, period, burst == null ? rate : burst, header);
  }
}
