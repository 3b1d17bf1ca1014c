package io.flycast.proxy.http;

import io.flycast.catalog.RateLimit;
import io.flycast.catalog.Route;
import io.flycast.proxy.ProxyContext;
import io.flycast.proxy.RequestRecord;
import io.flycast.proxy.limit.Decision;
import io.flycast.proxy.limit.RateLimiter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;

/**
 * A route's rate limit at the HTTP entry point: takes each request from its client's budget ({@link
 * io.flycast.proxy.limit}), and over it counts the request in {@code flycast_rate_limited_total},
 * marks its access log line and words the 429. Kept apart from the handler, as {@link AccessGate}
 * is, so the entry point is one call.
 *
 * <p>The handler asks after the access rules and the https redirect (a refused or redirected
 * request costs the backend nothing, so it costs no budget either), before any backend is dialed.
 */
final class RateLimitGate {
  private RateLimitGate() {}

  /**
   * {@code null} when the request may go on, else the 429 to send. Keyed by {@code clientIp} (the
   * PROXY protocol's source when there is one), or by the value of the limit's header: requests
   * without it share the budget of the empty key.
   */
  static FullHttpResponse refusal(
      ProxyContext px,
      Route route,
      HttpRequest req,
      CharSequence clientIp,
      RequestRecord record,
      boolean keepAlive) {
    RateLimit limit = route.spec().rateLimit();
    RateLimiter limiter = px.rateLimits().forRoute(route.key(), limit);
    if (limiter == null) {
      return null;
    }
    String key = limit.byClientIp() ? clientIp.toString() : req.headers().get(limit.header(), "");
    Decision d = limiter.take(key);
    if (d.allowed()) {
      return null;
    }
    px.metrics().rateLimited(route.key());
    record.rateLimited();
    return HttpResponses.tooManyRequests(route.key().flycastHostname(), limit, d, keepAlive);
  }
}
