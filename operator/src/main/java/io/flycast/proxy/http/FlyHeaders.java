package io.flycast.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
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
public final class FlyHeaders {
  // AsciiString names: their hash is computed once, and the codec copies them as bytes.
  public static final AsciiString FLY_CLIENT_IP = AsciiString.cached("Fly-Client-IP");
  public static final AsciiString FLY_FORWARDED_PORT = AsciiString.cached("Fly-Forwarded-Port");
  public static final AsciiString FLY_REGION = AsciiString.cached("Fly-Region");
  public static final AsciiString FLY_REQUEST_ID = AsciiString.cached("Fly-Request-Id");
  public static final AsciiString X_FORWARDED_FOR = AsciiString.cached("X-Forwarded-For");
  public static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("X-Forwarded-Proto");
  public static final AsciiString X_FORWARDED_SSL = AsciiString.cached("X-Forwarded-SSL");
  public static final AsciiString X_FORWARDED_PORT = AsciiString.cached("X-Forwarded-Port");
  private static final AsciiString HTTP = AsciiString.cached("http");
  private static final AsciiString HTTPS = AsciiString.cached("https");
  private static final AsciiString ON = AsciiString.cached("on");
  private static final AsciiString OFF = AsciiString.cached("off");

  /**
   * The names a message is rewritten by: first the hop-by-hop headers (RFC 9110 section 7.6.1),
   * which describe one connection, so a proxy must not forward them (Transfer-Encoding is re-added
   * per hop by the codecs when the body is chunked); then the ones the proxy sets. One pass over a
   * message's names tells which of them it carries, as a set of {@link #bit}s: cheaper than looking
   * each of them up in the header map, for messages that carry a few names.
   */
  // ImmutableEnumChecker: AsciiString is immutable (Netty's constant header names), only not
  // annotated so. EnumOrdinal: the bit is the constant's position, as in an EnumSet; the sets live
  // for one message, never stored, and HOP_BY_HOP relies on the hop-by-hop names coming first.
  // deprecation: Netty deprecates KEEP_ALIVE and PROXY_CONNECTION as names no message should
  // carry, which is exactly why a proxy must strip them.
  @SuppressWarnings({"ImmutableEnumChecker", "EnumOrdinal", "deprecation"})
  private enum Watched {
    CONNECTION(HttpHeaderNames.CONNECTION),
    KEEP_ALIVE(HttpHeaderNames.KEEP_ALIVE),
    PROXY_CONNECTION(HttpHeaderNames.PROXY_CONNECTION),
    PROXY_AUTHENTICATE(HttpHeaderNames.PROXY_AUTHENTICATE),
    PROXY_AUTHORIZATION(HttpHeaderNames.PROXY_AUTHORIZATION),
    TE(HttpHeaderNames.TE),
    TRAILER(HttpHeaderNames.TRAILER),
    TRANSFER_ENCODING(HttpHeaderNames.TRANSFER_ENCODING),
    UPGRADE(HttpHeaderNames.UPGRADE),
    VIA(HttpHeaderNames.VIA),
    X_FORWARDED_FOR(FlyHeaders.X_FORWARDED_FOR),
    FLY_CLIENT_IP(FlyHeaders.FLY_CLIENT_IP),
    X_FORWARDED_PROTO(FlyHeaders.X_FORWARDED_PROTO),
    X_FORWARDED_SSL(FlyHeaders.X_FORWARDED_SSL),
    X_FORWARDED_PORT(FlyHeaders.X_FORWARDED_PORT),
    FLY_FORWARDED_PORT(FlyHeaders.FLY_FORWARDED_PORT),
    FLY_REGION(FlyHeaders.FLY_REGION),
    FLY_REQUEST_ID(FlyHeaders.FLY_REQUEST_ID);

    private static final Watched[] ALL = values();

    /** The bits of the hop-by-hop names: CONNECTION to UPGRADE. */
    static final int HOP_BY_HOP = (UPGRADE.bit << 1) - 1;

    /** Candidates by name length: most names a message carries have none. */
    private static final Watched[][] BY_LENGTH = byLength();

    final AsciiString name;
    final int bit = 1 << ordinal();

    Watched(AsciiString name) {
      this.name = name;
    }

    boolean in(int seen) {
      return (seen & bit) != 0;
    }

    private static Watched[][] byLength() {
      int max = Arrays.stream(ALL).mapToInt(w -> w.name.length()).max().orElse(0);
      Watched[][] table = new Watched[max + 1][];
      for (int len = 0; len <= max; len++) {
        int l = len;
        table[len] = Arrays.stream(ALL).filter(w -> w.name.length() == l).toArray(Watched[]::new);
      }
      return table;
    }

    /** The watched name {@code name} is, in any letter case, or null. */
    static Watched of(CharSequence name) {
      int len = name.length();
      if (len < BY_LENGTH.length) {
        for (Watched w : BY_LENGTH[len]) {
          if (w.name.contentEqualsIgnoreCase(name)) {
            return w;
          }
        }
      }
      return null;
    }

    /** Which watched names a message carries. */
    static int carriedBy(HttpHeaders h) {
      int seen = 0;
      for (Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence();
          it.hasNext(); ) {
        Watched w = of(it.next().getKey());
        if (w != null) {
          seen |= w.bit;
        }
      }
      return seen;
    }
  }

  /** Sets a watched header: a plain add when the message does not carry it (nothing to replace). */
  private static void put(HttpHeaders h, int seen, Watched w, Object value) {
    if (w.in(seen)) {
      h.set(w.name, value);
    } else {
      h.add(w.name, value);
    }
  }

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

    /** The client's address, as text. */
    AsciiString ip() {
      return ip;
    }
  }

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  /**
   * A new request id: time-ordered hex, 16 random hex digits, then the zone, like Fly's {@code
   * 01H…-fra}. Written straight into one array: this runs for every request.
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
   * Readies a client request for the backend, in place: a Host ({@code defaultHost}) when it came
   * with none, then {@link #prepareRequest}, then HTTP/1.1, which every backend connection speaks.
   */
  static void forBackend(
      HttpRequest req,
      boolean isUpgrade,
      ClientInfo client,
      String zone,
      String requestId,
      CharSequence via,
      String defaultHost) {
    if (!req.headers().contains(HttpHeaderNames.HOST)) {
      req.headers().set(HttpHeaderNames.HOST, defaultHost);
    }
    prepareRequest(req, isUpgrade, client, zone, requestId, via);
    req.setProtocolVersion(HttpVersion.HTTP_1_1);
  }

  /**
   * Rewrites a client request in place for the backend: hop-by-hop headers out, Fly and X-Forwarded
   * headers in. A WebSocket (or other) upgrade ({@code isUpgrade}, as the caller found with {@link
   * #isUpgrade}) keeps its Connection/Upgrade pair.
   */
  static void prepareRequest(
      HttpRequest req,
      boolean isUpgrade,
      ClientInfo client,
      String zone,
      String requestId,
      CharSequence via) {
    HttpHeaders h = req.headers();
    String upgrade = isUpgrade ? h.get(HttpHeaderNames.UPGRADE) : null;
    int seen = stripHopByHop(h, Watched.carriedBy(h));
    if (upgrade != null) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
      h.set(HttpHeaderNames.UPGRADE, upgrade);
    }
    AsciiString ip = client.ip;
    // Always overwritten: a client must not be able to claim another address.
    put(h, seen, Watched.FLY_CLIENT_IP, ip);
    String xff = Watched.X_FORWARDED_FOR.in(seen) ? joined(h, X_FORWARDED_FOR) : null;
    put(h, seen, Watched.X_FORWARDED_FOR, xff == null || xff.isBlank() ? ip : xff + ", " + ip);
    put(h, seen, Watched.X_FORWARDED_PROTO, client.tls ? HTTPS : HTTP);
    put(h, seen, Watched.X_FORWARDED_SSL, client.tls ? ON : OFF);
    put(h, seen, Watched.X_FORWARDED_PORT, client.localPort);
    put(h, seen, Watched.FLY_FORWARDED_PORT, client.localPort);
    if (zone != null) {
      put(h, seen, Watched.FLY_REGION, zone);
    } else if (Watched.FLY_REGION.in(seen)) {
      h.remove(FLY_REGION); // a proxy without a zone says none, and lets no client say one
    }
    put(h, seen, Watched.FLY_REQUEST_ID, requestId);
    appendVia(h, seen, via);
  }

  /** Rewrites a backend response in place for the client. */
  static void prepareResponse(
      HttpResponse resp, String requestId, CharSequence via, Map<String, String> extra) {
    HttpHeaders h = resp.headers();
    int seen = stripHopByHop(h, Watched.carriedBy(h));
    put(h, seen, Watched.FLY_REQUEST_ID, requestId);
    appendVia(h, seen, via);
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
   * Removes the hop-by-hop headers among {@code seen} (see {@link Watched#carriedBy}) and returns
   * what the message still carries. Transfer-Encoding: chunked stays when present: it is how the
   * body on the next hop is framed too (the codecs re-frame everything else).
   */
  private static int stripHopByHop(HttpHeaders h, int seen) {
    if ((seen & Watched.HOP_BY_HOP) == 0) {
      return seen;
    }
    if (Watched.CONNECTION.in(seen)) {
      // Headers named in Connection are hop-by-hop too (RFC 9110 section 7.6.1).
      List<String> named = null;
      for (Iterator<String> values = h.valueStringIterator(HttpHeaderNames.CONNECTION);
          values.hasNext(); ) {
        String v = values.next();
        if (HttpHeaderValues.KEEP_ALIVE.contentEqualsIgnoreCase(v)
            || HttpHeaderValues.CLOSE.contentEqualsIgnoreCase(v)) {
          continue; // names no header: the usual value, no need to split it
        }
        for (String token : v.split(",")) {
          String t = token.trim().toLowerCase(Locale.ROOT);
          if (!t.isEmpty() && !t.equals("close") && !t.equals("keep-alive")) {
            if (named == null) {
              named = new ArrayList<>();
            }
            named.add(t);
          }
        }
      }
      if (named != null) {
        for (String t : named) {
          h.remove(t);
          Watched w = Watched.of(t);
          if (w != null) {
            seen &= ~w.bit;
          }
        }
      }
    }
    boolean chunked =
        Watched.TRANSFER_ENCODING.in(seen)
            && h.containsValue(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED, true);
    for (Watched w : Watched.ALL) {
      if (w.in(seen & Watched.HOP_BY_HOP)) {
        h.remove(w.name);
      }
    }
    if (chunked) {
      h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      h.remove(HttpHeaderNames.CONTENT_LENGTH);
    }
    return seen & ~Watched.HOP_BY_HOP;
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

  private static void appendVia(HttpHeaders h, int seen, CharSequence via) {
    String prior = Watched.VIA.in(seen) ? joined(h, HttpHeaderNames.VIA) : null;
    put(h, seen, Watched.VIA, prior == null ? via : prior + ", " + via);
  }

  /** This proxy's {@code Via} entry for a pseudonym: made once, added to every message. */
  public static AsciiString viaValue(String name) {
    return new AsciiString("1.1 " + name);
  }

  /**
   * {@link HttpUtil#isKeepAlive}, without its allocations when there is no Connection header (most
   * HTTP/1.1 messages): Netty's looks for values with a new iterator each time.
   */
  static boolean isKeepAlive(HttpMessage m) {
    return m.headers().contains(HttpHeaderNames.CONNECTION)
        ? HttpUtil.isKeepAlive(m)
        : m.protocolVersion().isKeepAliveDefault();
  }

  /** Whether a message has no body: neither chunked nor a Content-Length above 0. */
  static boolean hasNoBody(HttpMessage m) {
    return !isChunked(m) && HttpUtil.getContentLength(m, 0L) == 0L;
  }

  /**
   * {@link HttpUtil#isTransferEncodingChunked}, without an iterator when there is no such header.
   */
  static boolean isChunked(HttpMessage m) {
    return m.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)
        && HttpUtil.isTransferEncodingChunked(m);
  }
}
