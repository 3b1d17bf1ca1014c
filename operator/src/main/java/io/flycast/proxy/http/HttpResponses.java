package io.flycast.proxy.http;

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

  static FullHttpResponse redirect(String location, boolean keepAlive) {
    FullHttpResponse r =
        text(HttpResponseStatus.MOVED_PERMANENTLY, "moved to " + location, keepAlive);
    r.headers().set(HttpHeaderNames.LOCATION, location);
    return r;
  }
}
