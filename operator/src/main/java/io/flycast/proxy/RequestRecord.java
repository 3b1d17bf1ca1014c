package io.flycast.proxy;

import io.flycast.catalog.Backend;
import io.flycast.catalog.RouteKey;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import java.net.InetAddress;
import java.time.Instant;

/**
 * What the access log and the per-request metrics need to know about one request, gathered as it
 * goes and written once when it ends, whoever ends it (the exchange, or the handler answering
 * locally). Event-loop confined like the request.
 */
public final class RequestRecord {
  private final ProxyContext px;
  private final long epochMillis = System.currentTimeMillis();
  private final long startNanos = System.nanoTime();
  private final String host;
  private final String method;

  /** The request target; its path is cut out only when a log line is written. */
  private final String uri;

  private final InetAddress client;
  private String requestId;
  private Backend backend;
  private long bytesSent;
  private boolean completed;

  /** Why the proxy answered instead of a backend, when a limit did; null otherwise. */
  private String limited;

  /** What the route's response cache did with the request; null when it was not asked. */
  private String cache;

  public RequestRecord(ProxyContext px, HttpRequest req, InetAddress client) {
    this.px = px;
    this.host = req.headers().get(HttpHeaderNames.HOST);
    this.method = req.method().name();
    this.uri = req.uri();
    this.client = client;
  }

  public void requestId(String id) {
    requestId = id;
  }

  /** The backend now answering (a replay or retry replaces the previous one). */
  public void backend(Backend b) {
    backend = b;
  }

  /** The request was over its route's rate limit (and answered 429): the access log says so. */
  public void rateLimited() {
    limited = AccessLog.RATE_LIMITED;
  }

  /**
   * The route's cache answered ({@code hit}) or passed the request on ({@code miss}, {@code
   * expired}, {@code bypass}); the last word counts (a revalidation that comes back 304 is a hit).
   */
  public void cache(String result) {
    cache = result;
  }

  public void sent(long bytes) {
    bytesSent += bytes;
  }

  /** The request is over with {@code status}; only the first call counts. */
  public void complete(RouteKey route, int status) {
    if (completed) {
      return;
    }
    completed = true;
    long nanos = System.nanoTime() - startNanos;
    px.metrics().completed(route, method, bytesSent, nanos);
    if (px.config().accessLog()) {
      String clientIp = client == null ? null : client.getHostAddress();
      int q = uri.indexOf('?');
      String path = q < 0 ? uri : uri.substring(0, q);
      px.config()
          .accessLogSink()
          .log(
              new AccessLog.Entry(
                  Instant.ofEpochMilli(epochMillis),
                  host,
                  method,
                  path,
                  status,
                  bytesSent,
                  nanos / 1_000_000,
                  backend == null ? null : backend.name(),
                  backend == null ? null : backend.zone(),
                  requestId,
                  clientIp,
                  route == null ? null : route.toString(),
                  limited,
                  cache));
    }
  }
}
