package io.flycast.catalog;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One health check run against every backend of a route (fly.toml {@code [[services.tcp_checks]]}
 * and {@code [[services.http_checks]]}). A backend failing its checks gets no new work until they
 * pass again; checks never restart it.
 *
 * @param kind TCP (connect) or HTTP (request, 2xx/3xx passes)
 * @param interval time between two checks of one backend
 * @param timeout how long one check may take before it counts as failed
 * @param gracePeriod how long after a backend first appears its checks are not run
 * @param method HTTP method (HTTP checks only)
 * @param path HTTP request path (HTTP checks only)
 * @param headers extra HTTP request headers (HTTP checks only)
 * @param port the backend port to check (the route's internal port)
 */
public record HealthCheck(
    Kind kind,
    Duration interval,
    Duration timeout,
    Duration gracePeriod,
    String method,
    String path,
    Map<String, String> headers,
    int port) {

  /** What a check does. */
  public enum Kind {
    TCP,
    HTTP
  }

  /** fly.toml's defaults. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(15);

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
  public static final Duration DEFAULT_GRACE_PERIOD = Duration.ofSeconds(1);

  private static final Pattern DURATION = Pattern.compile("^([0-9]+)(ms|s|m)$");

  public HealthCheck {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(interval, "interval");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(gracePeriod, "gracePeriod");
    method = method == null || method.isBlank() ? "GET" : method.toUpperCase(Locale.ROOT);
    path = path == null || path.isBlank() ? "/" : path;
    headers = headers == null ? Map.of() : Map.copyOf(headers);
  }

  /** A TCP check with fly.toml's default timings. */
  public static HealthCheck tcp(int port) {
    return new HealthCheck(Kind.TCP, DEFAULT_INTERVAL, DEFAULT_TIMEOUT, DEFAULT_GRACE_PERIOD, null, null, null, port);
  }

  /**
   * Parses a check duration as the CRD writes it: digits then {@code ms}, {@code s} or {@code m}
   * ("500ms", "15s", "1m").
   *
   * @throws IllegalArgumentException when it does not parse, with a message fit for a user
   */
  public static Duration parseDuration(String text) {
    Matcher m = text == null ? null : DURATION.matcher(text.trim());
    if (m == null || !m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a duration like 500ms, 15s or 1m");
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
      default -> Duration.ofMinutes(n);
    };
  }
}
