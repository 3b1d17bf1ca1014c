package io.flycast.catalog;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

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
    return new HealthCheck(
        Kind.TCP, DEFAULT_INTERVAL, DEFAULT_TIMEOUT, DEFAULT_GRACE_PERIOD, null, null, null, port);
  }
}
