package io.flycast.catalog;

import java.time.Duration;
import java.util.Map;

/**
 * HTTP settings of a port.
 *
 * @param h2Backend speak h2c (HTTP/2 without TLS) to the backend
 * @param idleTimeout close idle client connections after this long
 * @param responseHeaders headers added to every response
 */
public record HttpOptions(
    boolean h2Backend, Duration idleTimeout, Map<String, String> responseHeaders) {
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
  public static final HttpOptions DEFAULT = new HttpOptions(false, DEFAULT_IDLE_TIMEOUT, Map.of());

  public HttpOptions {
    responseHeaders = Map.copyOf(responseHeaders);
  }
}
