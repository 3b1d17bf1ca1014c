package io.flycast.proxy.http;

import io.flycast.catalog.RateLimit;
import io.flycast.proxy.ProxyMetrics;
import io.flycast.proxy.limit.Decision;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/** Responses the proxy writes itself: errors and redirects, with plain-text bodies saying why. */
final class HttpResponses {
  /** The WHATWG Fetch standard's header and its one value (Netty 4.1 has no constants for them). */
  private static final AsciiString X_CONTENT_TYPE_OPTIONS =
      AsciiString.cached("x-content-type-options");

  private static final AsciiString NOSNIFF = AsciiString.cached("nosniff");

  /** draft-ietf-httpapi-ratelimit-headers-10 section 3: the quota policies a server applies. */
  static final AsciiString RATE_LIMIT_POLICY_HEADER = AsciiString.cached("ratelimit-policy");

  /** draft-ietf-httpapi-ratelimit-headers-10 section 4: what is left of a policy's quota now. */
  static final AsciiString RATE_LIMIT_HEADER = AsciiString.cached("ratelimit");

  /** The name of the one policy Flycast sends: the route's limit. */
  static final String RATE_LIMIT_POLICY = "route";

  private HttpResponses() {}

  static FullHttpResponse text(HttpResponseStatus status, String body, boolean keepAlive) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            status,
            Unpooled.copiedBuffer(body + "\n", StandardCharsets.UTF_8));
    r.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
        // Bodies may echo the request (the 404 names the Host header): a browser must not sniff
        // them as HTML and run what an attacker put there.
        .set(X_CONTENT_TYPE_OPTIONS, NOSNIFF)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
    if (!keepAlive) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    return r;
  }

  static FullHttpResponse unavailable(String body, int retryAfterSeconds, boolean keepAlive) {
    FullHttpResponse r = text(HttpResponseStatus.SERVICE_UNAVAILABLE, body, keepAlive);
    r.headers().setInt(HttpHeaderNames.RETRY_AFTER, retryAfterSeconds);
    return r;
  }

  /**
   * The answer when no backend could take a request: 503 with {@code Retry-After} while one may be
   * ready soon, 502 when none could be connected to. {@code detail} replaces the default text;
   * {@code name} names the route.
   */
  static FullHttpResponse noBackend(
      ProxyMetrics.Unavailable reason, String detail, String name, int retryAfterSeconds) {
    return switch (reason) {
      case NO_BACKENDS ->
          unavailable(
              detail != null ? detail : "no backend of " + name + " is ready to take requests",
              retryAfterSeconds,
              true);
      case AT_CAPACITY ->
          unavailable(
              detail != null ? detail : "every backend of " + name + " is at its concurrency limit",
              retryAfterSeconds,
              true);
      case NOT_STARTED ->
          unavailable(
              detail != null ? detail : "no backend of " + name + " could be started",
              retryAfterSeconds,
              true);
      case CONNECT_FAILED ->
          text(HttpResponseStatus.BAD_GATEWAY, "could not connect to any backend of " + name, true);
    };
  }

  /**
   * A 429 for a request over its route's rate limit, with {@code Retry-After} (RFC 9110 section
   * 10.2.3: seconds until the client may try again) and the {@code RateLimit-Policy} / {@code
   * RateLimit} fields of draft-ietf-httpapi-ratelimit-headers-10 (structured-field lists of one
   * item, the policy named {@link #RATE_LIMIT_POLICY}): the quota {@code q} per window {@code w}
   * seconds, then {@code r} requests remaining (0) and {@code t} seconds until there is one again.
   */
  static FullHttpResponse tooManyRequests(
      String routeName, RateLimit limit, Decision decision, boolean keepAlive) {
    long wait = decision.waitSeconds();
    FullHttpResponse r =
        text(
            HttpResponseStatus.TOO_MANY_REQUESTS,
            "rate limit of " + routeName + " exceeded (" + limit + "); retry in " + wait + " s",
            keepAlive);
    r.headers()
        .set(HttpHeaderNames.RETRY_AFTER, wait)
        .set(RATE_LIMIT_POLICY_HEADER, rateLimitPolicy(limit))
        .set(RATE_LIMIT_HEADER, "\"" + RATE_LIMIT_POLICY + "\";r=0;t=" + wait);
    return r;
  }

  /** The {@code RateLimit-Policy} value of a route's limit: its quota per window. */
  static String rateLimitPolicy(RateLimit limit) {
    return "\"" + RATE_LIMIT_POLICY + "\";q=" + limit.rate() + ";w=" + limit.per().toSeconds();
  }

  static FullHttpResponse redirect(String location, boolean keepAlive) {
    FullHttpResponse r =
        text(HttpResponseStatus.MOVED_PERMANENTLY, "moved to " + location, keepAlive);
    r.headers().set(HttpHeaderNames.LOCATION, location);
    return r;
  }
}
