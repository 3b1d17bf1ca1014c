package io.flycast.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.AsciiString;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
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
  // AsciiString names: their hash is computed once, and the codec copies them as bytes.
  static final AsciiString FLY_CLIENT_IP = AsciiString.cached("Fly-Client-IP");
  static final AsciiString FLY_FORWARDED_PORT = AsciiString.cached("Fly-Forwarded-Port");
  static final AsciiString FLY_REGION = AsciiString.cached("Fly-Region");
  static final AsciiString FLY_REQUEST_ID = AsciiString.cached("Fly-Request-Id");
  static final AsciiString X_FORWARDED_FOR = AsciiString.cached("X-Forwarded-For");
  static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("X-Forwarded-Proto");
  static final AsciiString X_FORWARDED_SSL = AsciiString.cached("X-Forwarded-SSL");
  static final AsciiString X_FORWARDED_PORT = AsciiString.cached("X-Forwarded-Port");
  private static final AsciiString HTTP = AsciiString.cached("http");
  private static final AsciiString HTTPS = AsciiString.cached("https");
  private static final AsciiString ON = AsciiString.cached("on");
  private static final AsciiString OFF = AsciiString.cached("off");

  /**
   * Hop-by-hop headers (RFC 9110 section 7.6.1): they describe one connection, so a proxy must not
   * forward them. Transfer-Encoding is re-added per hop by the codecs when the body is chunked.
   */
  private static final List<AsciiString> HOP_BY_HOP = List.of(
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

  /**
   * What the proxy knows about the client connection a request arrived on. Made once per
   * connection, with the header values it yields already formatted.
   */
  static final class ClientInfo {
    private final AsciiString ip;
    private final AsciiString localPort;
    private final boolean tls;

    ClientInfo(InetAddress clientIp, int localPort, boolean tls) {
      this.ip = new AsciiString(clientIp.getHostAddress());
      this.localPort = new AsciiString(Integer.toString(localPort));
      this.tls = tls;
    }
  }

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  /**
   * A new request id: time-ordered hex, 16 random hex digits, then the zone, like Fly's
   * {@code 01H…-fra}. Written straight into one array: this runs for every request.
   */
  static String newRequestId(String zone) {
    long millis = System.currentTimeMillis();
    long rnd = ThreadLocalRandom.current().nextLong();
    int timeDigits = Math.max(1, (67 - Long.numberOfLeadingZeros(millis)) / 4);
    int zoneLength = zone == null ? 0 : zone.length() + 1;
    byte[] id = new byte[timeDigits + 16 + zoneLength];
    for (int i = timeDigits - 1, shift = 0; i >= 0; i--, shift += 4) {
      id[i] = HEX[(int) (millis >>> shift) & 0xf];
    }
    for (int i = timeDigits + 15, shift = 0; i >= timeDigits; i--, shift += 4) {
      id[i] = HEX[(int) (rnd >>> shift) & 0xf];
    }
    if (zone != null) {
      id[timeDigits + 16] = '-';
      for (int i = 0; i < zone.length(); i++) {
        id[timeDigits + 17 + i] = (byte) zone.charAt(i);
      }
    }
    return new String(id, StandardCharsets.ISO_8859_1);
  }

  /**
   * Rewrites a client request in place for the backend: hop-by-hop headers out, Fly and
   * X-Forwarded headers in. A WebSocket (or other) upgrade keeps its Connection/Upgrade pair.
   */
  static void prepareRequest(HttpRequest req, ClientInfo client, String zone, String requestId, CharSequence via) {
    HttpHeaders h = req.headers();
    String upgrade = isUpgrade(req) ? h.get(HttpHeaderNames.UPGRADE) : null;
    stripHopByHop(h);
    if (upgrade != null) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
      h.set(HttpHeaderNames.UPGRADE, upgrade);
    }
    AsciiString ip = client.ip;
    // Always overwritten: a client must not be able to claim another address.
    h.set(FLY_CLIENT_IP, ip);
    String xff = joined(h, X_FORWARDED_FOR);
    h.set(X_FORWARDED_FOR, xff == null || xff.isBlank() ? ip : xff + ", " + ip);
    h.set(X_FORWARDED_PROTO, client.tls ? HTTPS : HTTP);
    h.set(X_FORWARDED_SSL, client.tls ? ON : OFF);
    h.set(X_FORWARDED_PORT, client.localPort);
    h.set(FLY_FORWARDED_PORT, client.localPort);
    if (zone != null) {
      h.set(FLY_REGION, zone);
    }
    h.set(FLY_REQUEST_ID, requestId);
    appendVia(h, via);
  }

  /** Rewrites a backend response in place for the client. */
  static void prepareResponse(HttpResponse resp, String requestId, CharSequence via, Map<String, String> extra) {
    HttpHeaders h = resp.headers();
    stripHopByHop(h);
    h.set(FLY_REQUEST_ID, requestId);
    appendVia(h, via);
    if (!extra.isEmpty()) {
      extra.forEach(h::set);
    }
  }

  /** Whether a request asks to switch protocols (WebSocket and the like). */
  static boolean isUpgrade(HttpRequest req) {
    return req.headers().contains(HttpHeaderNames.UPGRADE)
        && req.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
  }

  /**
   * Removes the hop-by-hop headers. Transfer-Encoding: chunked stays when present: it is how the
   * body on the next hop is framed too (the codecs re-frame everything else).
   */
  private static void stripHopByHop(HttpHeaders h) {
    if (h.contains(HttpHeaderNames.CONNECTION)) {
      // Headers named in Connection are hop-by-hop too (RFC 9110 section 7.6.1).
      for (Iterator<String> values = h.valueStringIterator(HttpHeaderNames.CONNECTION); values.hasNext(); ) {
        String v = values.next();
        if (HttpHeaderValues.KEEP_ALIVE.contentEqualsIgnoreCase(v) || HttpHeaderValues.CLOSE.contentEqualsIgnoreCase(v)) {
          continue; // names no header: the usual value, no need to split it
        }
        for (String token : v.split(",")) {
          String t = token.trim().toLowerCase(Locale.ROOT);
          if (!t.isEmpty() && !t.equals("close") && !t.equals("keep-alive")) {
            h.remove(t);
          }
        }
      }
    }
    boolean chunked = h.contains(HttpHeaderNames.TRANSFER_ENCODING)
        && h.containsValue(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED, true);
    for (AsciiString name : HOP_BY_HOP) {
      h.remove(name);
    }
    if (chunked) {
      h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      h.remove(HttpHeaderNames.CONTENT_LENGTH);
    }
  }

  /** All values of {@code name} as one comma-separated list, or null when there are none. */
  private static String joined(HttpHeaders h, CharSequence name) {
    String first = h.get(name);
    if (first == null) {
      return null;
    }
    List<String> all = h.getAll(name);
    return all.size() == 1 ? first : String.join(", ", all);
  }

  private static void appendVia(HttpHeaders h, CharSequence via) {
    String prior = joined(h, HttpHeaderNames.VIA);
    h.set(HttpHeaderNames.VIA, prior == null ? via : prior + ", " + via);
  }

  /** This proxy's {@code Via} entry for a pseudonym: made once, added to every message. */
  static AsciiString viaValue(String name) {
    return new AsciiString("1.1 " + name);
  }

  /**
   * {@link HttpUtil#isKeepAlive}, without its allocations when there is no Connection header
   * (most HTTP/1.1 messages): Netty's looks for values with a new iterator each time.
   */
  static boolean isKeepAlive(HttpMessage m) {
    return m.headers().contains(HttpHeaderNames.CONNECTION) ? HttpUtil.isKeepAlive(m) : m.protocolVersion().isKeepAliveDefault();
  }

  /** {@link HttpUtil#isTransferEncodingChunked}, without an iterator when there is no such header. */
  static boolean isChunked(HttpMessage m) {
    return m.headers().contains(HttpHeaderNames.TRANSFER_ENCODING) && HttpUtil.isTransferEncodingChunked(m);
  }
}
