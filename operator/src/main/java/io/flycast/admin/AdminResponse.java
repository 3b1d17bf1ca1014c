package io.flycast.admin;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the admin port answers, before it becomes a Netty response: made off the event loop when
 * rendering takes time, written on it.
 *
 * @param headers extra response headers (WWW-Authenticate, Allow, Retry-After)
 */
// A response on its way out: made once, written once, never compared or hashed; the body goes to
// Netty without a copy.
@SuppressWarnings("ArrayRecordComponent")
record AdminResponse(
    HttpResponseStatus status, String contentType, byte[] body, Map<String, String> headers) {
  static final String TEXT = "text/plain; charset=utf-8";

  static AdminResponse text(HttpResponseStatus status, String body) {
    return new AdminResponse(status, TEXT, body.getBytes(StandardCharsets.UTF_8), Map.of());
  }

  static AdminResponse of(HttpResponseStatus status, String contentType, byte[] body) {
    return new AdminResponse(status, contentType, body, Map.of());
  }

  AdminResponse withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new AdminResponse(status, contentType, body, Map.copyOf(more));
  }

  /**
   * The Netty response. Every answer says {@code nosniff} (a browser must not run a JSON or text
   * answer as HTML) and {@code no-store} (routes, pod IPs and metrics must not linger in caches).
   *
   * @param headOnly a HEAD request: the headers of the GET answer, without its body
   */
  FullHttpResponse toHttp(HttpVersion version, boolean headOnly, boolean keepAlive) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            version, status, headOnly ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
    HttpHeaders h = r.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
    h.setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    h.set("X-Content-Type-Options", "nosniff");
    h.set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    headers.forEach(h::set);
    HttpUtil.setKeepAlive(r, keepAlive);
    return r;
  }
}
