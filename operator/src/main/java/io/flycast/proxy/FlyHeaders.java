package io.flycast.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The headers Fly's proxy adds to requests and responses, and the hop-by-hop headers it strips.
 *
 * <p>See https://fly.io/docs/networking/request-headers/ for the request headers.
 */
final class FlyHeaders {
  static final String FLY_CLIENT_IP = "Fly-Client-IP";
  static final String FLY_FORWARDED_PORT = "Fly-Forwarded-Port";
  static final String FLY_REGION = "Fly-Region";
  static final String FLY_REQUEST_ID = "Fly-Request-Id";
  static final String X_FORWARDED_FOR = "X-Forwarded-For";
  static final String X_FORWARDED_PROTO = "X-Forwarded-Proto";
  static final String X_FORWARDED_SSL = "X-Forwarded-SSL";
  static final String X_FORWARDED_PORT = "X-Forwarded-Port";

  /**
   * Hop-by-hop headers (RFC 9110 section 7.6.1): they describe one connection, so a proxy must not
   * forward them. Transfer-Encoding is re-added per hop by the codecs when the body is chunked.
   */
  private static final List<CharSequence> HOP_BY_HOP = List.of(
      HttpHeaderNames.CONNECTION,
      HttpHeaderNames.KEEP_ALIVE,
      HttpHeaderNames.PROXY_CONNECTION,
      HttpHeaderNames.PROXY_AUTHENTICATE,
      HttpHeaderNames.PROXY_AUTHORIZATION,
      HttpHeaderNames.TE,
      HttpHeaderNames.TRAILER,
      HttpHeaderNames.TRANSFER_ENCODING,
      HttpHeaderNames.UPGRADE);

  private FlyHeaders() {}

  /** What the proxy knows about the client connection a request arrived on. */
  record ClientInfo(InetAddress clientIp, int localPort, boolean tls) {}

  /** A new request id: time-ordered hex, then the zone, like Fly's {@code 01H…-fra}. */
  static String newRequestId(String zone) {
    byte[] rnd = new byte[8];
    ThreadLocalRandom.current().nextBytes(rnd);
    String id = Long.toHexString(System.currentTimeMillis()) + HexFormat.of().formatHex(rnd);
    return zone == null ? id : id + "-" + zone;
  }

  /**
   * Rewrites a client request in place for the backend: hop-by-hop headers out, Fly and
   * X-Forwarded headers in. A WebSocket (or other) upgrade keeps its Connection/Upgrade pair.
   */
  static void prepareRequest(HttpRequest req, ClientInfo client, String zone, String requestId, String via) {
    HttpHeaders h = req.headers();
    boolean chunked = HttpUtil.isTransferEncodingChunked(req);
    String upgrade = isUpgrade(req) ? h.get(HttpHeaderNames.UPGRADE) : null;
    stripHopByHop(h);
    if (chunked) {
      HttpUtil.setTransferEncodingChunked(req, true);
    }
    if (upgrade != null) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
      h.set(HttpHeaderNames.UPGRADE, upgrade);
    }
    String ip = client.clientIp().getHostAddress();
    // Always overwritten: a client must not be able to claim another address.
    h.set(FLY_CLIENT_IP, ip);
    String xff = h.getAll(X_FORWARDED_FOR).stream().reduce((a, b) -> a + ", " + b).orElse(null);
    h.set(X_FORWARDED_FOR, xff == null || xff.isBlank() ? ip : xff + ", " + ip);
    h.set(X_FORWARDED_PROTO, client.tls() ? "https" : "http");
    h.set(X_FORWARDED_SSL, client.tls() ? "on" : "off");
    h.set(X_FORWARDED_PORT, Integer.toString(client.localPort()));
    h.set(FLY_FORWARDED_PORT, Integer.toString(client.localPort()));
    if (zone != null) {
      h.set(FLY_REGION, zone);
    }
    h.set(FLY_REQUEST_ID, requestId);
    appendVia(req, via);
  }

  /** Rewrites a backend response in place for the client. */
  static void prepareResponse(HttpResponse resp, String requestId, String via, Map<String, String> extra) {
    HttpHeaders h = resp.headers();
    boolean chunked = HttpUtil.isTransferEncodingChunked(resp);
    stripHopByHop(h);
    if (chunked) {
      HttpUtil.setTransferEncodingChunked(resp, true);
    }
    h.set(FLY_REQUEST_ID, requestId);
    appendVia(resp, via);
    extra.forEach(h::set);
  }

  /** Whether a request asks to switch protocols (WebSocket and the like). */
  static boolean isUpgrade(HttpRequest req) {
    return req.headers().contains(HttpHeaderNames.UPGRADE)
        && req.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
  }

  private static void stripHopByHop(HttpHeaders h) {
    // Headers named in Connection are hop-by-hop too (RFC 9110 section 7.6.1).
    List<String> listed = new ArrayList<>();
    for (String v : h.getAll(HttpHeaderNames.CONNECTION)) {
      for (String token : v.split(",")) {
        String t = token.trim().toLowerCase(Locale.ROOT);
        if (!t.isEmpty() && !t.equals("close") && !t.equals("keep-alive")) {
          listed.add(t);
        }
      }
    }
    listed.forEach(h::remove);
    HOP_BY_HOP.forEach(h::remove);
  }

  private static void appendVia(HttpMessage msg, String via) {
    String mine = "1.1 " + via;
    String prior = msg.headers().getAll(HttpHeaderNames.VIA).stream().reduce((a, b) -> a + ", " + b).orElse(null);
    msg.headers().set(HttpHeaderNames.VIA, prior == null ? mine : prior + ", " + mine);
  }
}
