package io.flycast.proxy;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** Responses the proxy writes itself: errors and redirects, with plain-text bodies saying why. */
final class HttpResponses {
  private HttpResponses() {}

  static FullHttpResponse text(HttpResponseStatus status, String body, boolean keepAlive) {
    FullHttpResponse r = new DefaultFullHttpResponse(
        HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(body + "\n", StandardCharsets.UTF_8));
    r.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
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
    FullHttpResponse r = text(HttpResponseStatus.MOVED_PERMANENTLY, "moved to " + location, keepAlive);
    r.headers().set(HttpHeaderNames.LOCATION, location);
    return r;
  }
}
