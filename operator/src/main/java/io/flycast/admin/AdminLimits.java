package io.flycast.admin;

import java.time.Duration;

/**
 * How much the admin port accepts from a client, and for how long. The admin port serves probes,
 * Prometheus and people: small GET requests without bodies. Anything bigger or slower is either a
 * mistake or an attack, and must not hold resources that {@code /healthz} needs.
 *
 * @param maxRequestLine longest request line ("GET /path HTTP/1.1"); beyond it, 414
 * @param maxHeaderBytes total size of the request headers; beyond it, 431
 * @param maxBodyBytes largest request body; beyond it, 413 (admin endpoints take none)
 * @param requestTimeout time from a connection's opening, or a keep-alive request's first byte, to
 *     the end of the request (its head: admin requests have no body); beyond it, 408 and the
 *     connection is closed (slowloris clients trickle header bytes forever)
 * @param idleTimeout how long a keep-alive connection may sit between requests
 * @param maxConnections open admin connections; at the limit, a new connection makes the oldest one
 *     that is not being answered close (see {@link ConnectionLimit})
 * @param renderQueue renders of /metrics and /debug/* that may wait for the render thread; beyond
 *     it, 503
 */
public record AdminLimits(
    int maxRequestLine,
    int maxHeaderBytes,
    int maxBodyBytes,
    Duration requestTimeout,
    Duration idleTimeout,
    int maxConnections,
    int renderQueue) {

  public static final AdminLimits DEFAULT =
      new AdminLimits(4096, 8192, 0, Duration.ofSeconds(5), Duration.ofSeconds(30), 256, 16);

  public AdminLimits {
    if (maxConnections < 1 || renderQueue < 1) {
      throw new IllegalArgumentException("maxConnections and renderQueue must be at least 1");
    }
  }

  public AdminLimits withRequestTimeout(Duration timeout) {
    return new AdminLimits(
        maxRequestLine,
        maxHeaderBytes,
        maxBodyBytes,
        timeout,
        idleTimeout,
        maxConnections,
        renderQueue);
  }

  public AdminLimits withIdleTimeout(Duration timeout) {
    return new AdminLimits(
        maxRequestLine,
        maxHeaderBytes,
        maxBodyBytes,
        requestTimeout,
        timeout,
        maxConnections,
        renderQueue);
  }

  public AdminLimits withMaxConnections(int max) {
    return new AdminLimits(
        maxRequestLine,
        maxHeaderBytes,
        maxBodyBytes,
        requestTimeout,
        idleTimeout,
        max,
        renderQueue);
  }
}
