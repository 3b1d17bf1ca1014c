package io.flycast.proxy.http;

import io.flycast.catalog.RateLimit;
import io.flycast.catalog.Route;
import io.flycast.proxy.ProxyContext;
import io.flycast.proxy.RequestRecord;
import io.flycast.proxy.limit.Decision;
import io.flycast.proxy.limit.RateLimiter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
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
   * The IETF {@code RateLimit-Policy} / {@code RateLimit} fields of a request that was let through,
   * for its response (a cache hit's or the backend's), so a client can pace itself before it meets
   * a 429: {@code r} requests it may still make at once and {@code t} seconds until its budget is
   * full again.
   */
  record Pace(String policy, String state) {
    /**
     * Sets the fields on a response, unless the backend sent a {@code RateLimit} of its own: the
     * backend's limits are the ones its client asked about, and two unrelated policies in one list
     * would be no help.
     */
    void apply(HttpHeaders h) {
      if (!h.contains(HttpResponses.RATE_LIMIT_HEADER)) {
        h.set(HttpResponses.RATE_LIMIT_POLICY_HEADER, policy);
        h.set(HttpResponses.RATE_LIMIT_HEADER, state);
      }
    }
  }

  /**
   * {@code null} when the route has no limit; the 429 to send ({@link FullHttpResponse}) when the
   * request is over it; else the {@link Pace} for its response. Keyed by {@code clientIp} (the
   * PROXY protocol's source when there is one), or by the value of the limit's header: requests
   * without it share the budget of the empty key.
   */
  static Object check(
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
      // Whole seconds, rounded up: 0 only when the bucket is full already.
      long full = (d.waitNanos() + 999_999_999L) / 1_000_000_000L;
      return new Pace(
          HttpResponses.rateLimitPolicy(limit),
          "\"" + HttpResponses.RATE_LIMIT_POLICY + "\";r=" + d.remaining() + ";t=" + full);
    }
    px.metrics().rateLimited(route.key());
    record.rateLimited();
    return HttpResponses.tooManyRequests(route.key().flycastHostname(), limit, d, keepAlive);
  }
}
