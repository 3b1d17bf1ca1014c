package io.flycast.proxy;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the proxy writes one line per HTTP request it answered (proxied, refused or failed). Called
 * on the event loop once the response is written (or the exchange given up), so an implementation
 * must not block: the default hands the line to the SLF4J logger {@value #LOGGER}, one call per
 * request; with slf4j-simple that is a synchronous write to stderr, cheap enough per request, and a
 * deployment that needs more puts an asynchronous appender behind the logger. Turn it off with
 * {@link ProxyConfig.Builder#accessLog(boolean)}.
 */
public interface AccessLog {
  /** {@link Entry#limited()} of a request over its route's rate limit. */
  String RATE_LIMITED = "rate_limit";

  /** The SLF4J logger the default implementation writes to. */
  String LOGGER = "flycast.access";

  /** Records one request. Must not block or throw. */
  void log(Entry entry);

  /** The default: each entry as one JSON line at INFO on {@value #LOGGER}. */
  static AccessLog slf4j() {
    Logger log = LoggerFactory.getLogger(LOGGER);
    return e -> {
      if (log.isInfoEnabled()) {
        log.info(e.toJson());
      }
    };
  }

  /**
   * One request.
   *
   * @param time when the request arrived
   * @param host the Host header
   * @param method the request method
   * @param path the request path without the query (queries carry tokens often enough not to log
   *     them)
   * @param status the status sent, 499 when the client went away first (nginx's convention)
   * @param bytesSent response body bytes written to the client
   * @param durationMs from the request head to the end of the response
   * @param backend the backend that answered, or null when none did
   * @param zone that backend's zone, or null
   * @param requestId the {@code Fly-Request-Id}
   * @param clientIp the client's address
   * @param route {@code namespace/name} of the route, or null when the host matched none
   * @param limited which limit the request was over ({@link #RATE_LIMITED}), null when none; the
   *     field is in the line only when set
   * @param cache on a route with a response cache, what the cache did: the {@code result} of {@code
   *     flycast_cache_requests_total} ({@code hit}, {@code miss}, {@code expired}, {@code stale},
   *     {@code bypass}), or {@code collapsed} for a hit that waited for another request's miss;
   *     null (and not in the line) on other routes and for requests answered before the cache was
   *     asked (a 429, a refusal)
   */
  record Entry(
      Instant time,
      String host,
      String method,
      String path,
      int status,
      long bytesSent,
      long durationMs,
      String backend,
      String zone,
      String requestId,
      String clientIp,
      String route,
      String limited,
      String cache) {

    /** An entry of a request no limit held back. */
    public Entry(
        Instant time,
        String host,
        String method,
        String path,
        int status,
        long bytesSent,
        long durationMs,
        String backend,
        String zone,
        String requestId,
        String clientIp,
        String route) {
      this(
          time,
          host,
          method,
          path,
          status,
          bytesSent,
          durationMs,
          backend,
          zone,
          requestId,
          clientIp,
          route,
          null,
          null);
    }

    /** One line of JSON, fields in the declared order. */
    public String toJson() {
      StringBuilder sb = new StringBuilder(256).append('{');
      field(sb, "time", time.toString()).append(',');
      field(sb, "host", host).append(',');
      field(sb, "method", method).append(',');
      field(sb, "path", path).append(',');
      sb.append("\"status\":").append(status).append(',');
      sb.append("\"bytes_sent\":").append(bytesSent).append(',');
      sb.append("\"duration_ms\":").append(durationMs).append(',');
      field(sb, "backend", backend).append(',');
      field(sb, "zone", zone).append(',');
      field(sb, "request_id", requestId).append(',');
      field(sb, "client_ip", clientIp).append(',');
      field(sb, "route", route);
      if (cache != null) {
        sb.append(',');
        field(sb, "cache", cache);
      }
      if (limited != null) {
        sb.append(',');
        field(sb, "limited", limited);
      }
      return sb.append('}').toString();
    }

    private static StringBuilder field(StringBuilder sb, String name, String value) {
      sb.append('"').append(name).append("\":");
      if (value == null) {
        return sb.append("null");
      }
      // Jackson's encoder: the JSON string escaping everyone else uses, not ours to maintain.
      sb.append('"');
      JsonStringEncoder.getInstance().quoteAsString(value, sb);
      return sb.append('"');
    }
  }
}
