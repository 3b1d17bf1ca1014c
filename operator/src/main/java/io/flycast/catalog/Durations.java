package io.flycast.catalog;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one duration grammar Flycast reads, wherever a user writes one (CRD fields, annotations,
 * command-line flags, fly-replay): digits then {@code ms}, {@code s}, {@code m} or {@code h}
 * ("500ms", "15s", "1m", "2h"), or a bare {@code 0}. That is fly.toml's and Go's common subset,
 * without fractions or compound forms, so one value means the same thing in every place.
 */
public final class Durations {
  private static final Pattern DURATION = Pattern.compile("^([0-9]+)(ms|s|m|h)$");

  private Durations() {}

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException when it does not parse, with a message fit for a user
   */
  public static Duration parse(String text) {
    String v = text == null ? "" : text.trim();
    if (v.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = DURATION.matcher(v);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a duration like 500ms, 15s, 1m or 2h");
    }
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is too large", e);
    }
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }
}
