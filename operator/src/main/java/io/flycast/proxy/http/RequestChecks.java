package io.flycast.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * What a request must look like before any part of it reaches a backend. The proxy writes every
 * request to its backend as an HTTP/1.1 request line and header block (or an h2c stream), so
 * anything a client could smuggle into that text, through an HTTP/2 pseudo-header, a header value
 * or the request target, is refused here, on every client path:
 *
 * <ul>
 *   <li>HTTP/2 requests are checked frame by frame ({@link #http2RequestProblem}, {@link
 *       #http2TrailersProblem}) against RFC 9113 section 8.3.1 and 8.2.1; a problem resets the
 *       stream with PROTOCOL_ERROR, as that RFC asks of malformed requests.
 *   <li>HTTP/1.1 requests (and HTTP/2 ones once converted) are checked against RFC 9112's framing
 *       and target rules ({@link #http1Problem}); a problem is answered 400 (405 for CONNECT).
 * </ul>
 *
 * <p>Checks are allocation-free scans of what the decoders already produced.
 */
public final class RequestChecks {
  /** A request the proxy refuses: the status to answer and why, for the client and the metrics. */
  record Problem(int status, String reason, String detail) {
    static Problem bad(String reason, String detail) {
      return new Problem(400, reason, detail);
    }
  }

  private static final AsciiString H2C = AsciiString.cached("h2c");
  private static final AsciiString HTTP2_SETTINGS = AsciiString.cached("http2-settings");

  private RequestChecks() {}

  /**
   * RFC 9110 section 5.6.2: {@code tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" /
   * "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA}.
   */
  static boolean isToken(CharSequence s) {
    if (s == null || s.length() == 0) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!alnum && "!#$%&'*+-.^_`|~".indexOf(c) < 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * A request target's characters: visible ASCII and, as browsers send unencoded, obs-text
   * (0x80-0xFF). No control character, space or DEL: those end or split a request line.
   */
  static boolean hasTargetChars(CharSequence s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= 0x20 || c == 0x7f || c > 0xff) {
        return false;
      }
    }
    return true;
  }

  /** Origin-form ({@code /path?query}), or asterisk-form for OPTIONS. */
  static boolean isOriginOrAsterisk(CharSequence target, CharSequence method) {
    if (target == null || target.length() == 0) {
      return false;
    }
    if (target.length() == 1 && target.charAt(0) == '*') {
      return HttpMethod.OPTIONS.asciiName().contentEquals(method);
    }
    return target.charAt(0) == '/' && hasTargetChars(target);
  }

  /**
   * {@code host [ ":" port ]} as RFC 3986 section 3.2.2 allows it in a Host header or {@code
   * :authority}: a bracketed IP literal, or a reg-name (unreserved, pct-encoded, sub-delims; IPv4
   * is one too); no userinfo (RFC 9113 section 8.3.1 forbids it for http and https).
   */
  static boolean isAuthority(CharSequence s) {
    if (s == null || s.length() == 0) {
      return false;
    }
    int i = 0;
    int n = s.length();
    if (s.charAt(0) == '[') {
      int end = indexOf(s, ']');
      if (end < 2) {
        return false;
      }
      for (i = 1; i < end; i++) {
        char c = s.charAt(i);
        if (!(isHex(c) || c == ':' || c == '.')) {
          return false;
        }
      }
      i = end + 1;
    } else {
      for (; i < n && s.charAt(i) != ':'; i++) {
        char c = s.charAt(i);
        boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && "-._~%!$&'()*+,;=".indexOf(c) < 0) {
          return false;
        }
      }
      if (i == 0) {
        return false;
      }
    }
    if (i == n) {
      return true;
    }
    if (s.charAt(i) != ':' || n - i - 1 > 5) {
      return false;
    }
    for (i++; i < n; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /** RFC 9113 section 8.2.1 and RFC 9110 section 5.5: a field value holds no NUL, CR or LF. */
  static boolean isFieldValue(CharSequence v) {
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c == 0 || c == '\r' || c == '\n') {
        return false;
      }
    }
    return true;
  }

  /** The first regular header whose value is not a valid field value; null when all are. */
  static CharSequence badValue(Iterator<Map.Entry<CharSequence, CharSequence>> headers) {
    while (headers.hasNext()) {
      Map.Entry<CharSequence, CharSequence> h = headers.next();
      if (!isFieldValue(h.getValue())) {
        return h.getKey();
      }
    }
    return null;
  }

  /**
   * Why an HTTP/2 request's header block is malformed (RFC 9113 section 8.3.1), or null. Netty's
   * decoder already refuses unknown, repeated or misplaced pseudo-headers, uppercase names and
   * connection-specific headers; it does not look at values, which become the backend's request
   * line and header block.
   */
  public static String http2RequestProblem(Http2Headers h) {
    CharSequence method = h.method();
    if (!isToken(method)) {
      return ":method is not a token";
    }
    CharSequence authority = h.authority();
    if (authority != null && !isAuthority(authority)) {
      return ":authority is not host[:port]";
    }
    boolean connect = HttpMethod.CONNECT.asciiName().contentEquals(method);
    if (connect) {
      // Plain CONNECT has only :method and :authority (section 8.5); it is answered 405 later.
      if (authority == null || h.path() != null || h.scheme() != null) {
        return "CONNECT needs :authority and no :path or :scheme";
      }
    } else {
      CharSequence scheme = h.scheme();
      if (!(AsciiString.contentEqualsIgnoreCase(scheme, "https")
          || AsciiString.contentEqualsIgnoreCase(scheme, "http"))) {
        return ":scheme is not http or https";
      }
      if (!isOriginOrAsterisk(h.path(), method)) {
        return ":path is not an origin-form target (or * for OPTIONS) of visible characters";
      }
    }
    List<CharSequence> hosts = h.getAll(HttpHeaderNames.HOST);
    if (hosts.size() > 1
        || (hosts.size() == 1
            && (!isAuthority(hosts.get(0))
                || (authority != null
                    && !AsciiString.contentEqualsIgnoreCase(hosts.get(0), authority))))) {
      return "host differs from :authority, or is not host[:port]";
    }
    CharSequence bad = badValue(h.iterator());
    return bad == null ? null : "the value of " + bad + " holds NUL, CR or LF";
  }

  /**
   * Why an HTTP/2 trailer block is malformed, or null: no pseudo-headers, values as in requests.
   */
  public static String http2TrailersProblem(Http2Headers h) {
    if (h.method() != null
        || h.path() != null
        || h.scheme() != null
        || h.authority() != null
        || h.status() != null) {
      return "pseudo-header in trailers";
    }
    CharSequence bad = badValue(h.iterator());
    return bad == null ? null : "the value of trailer " + bad + " holds NUL, CR or LF";
  }

  /**
   * Why an HTTP/1.1 request (or an HTTP/2 one after conversion, {@code fromHttp2}) may not be
   * forwarded, or null. Rewrites an absolute-form target whose authority matches Host to origin
   * form, as backends are owed (RFC 9112 section 3.2.2), and drops {@code Upgrade: h2c}, an upgrade
   * to a protocol the proxy does not relay.
   */
  static Problem http1Problem(HttpRequest req, boolean fromHttp2) {
    HttpMethod method = req.method();
    if (HttpMethod.CONNECT.equals(method)) {
      return new Problem(405, "connect", "CONNECT is not supported: this is a reverse proxy");
    }
    // One pass over the headers, without allocating: this runs for every request.
    HttpHeaders headers = req.headers();
    CharSequence host = null;
    int hosts = 0;
    CharSequence codings = null;
    boolean h2cUpgrade = false;
    CharSequence badValue = null;
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
        it.hasNext(); ) {
      Map.Entry<CharSequence, CharSequence> h = it.next();
      CharSequence name = h.getKey();
      CharSequence value = h.getValue();
      if (badValue == null && !isFieldValue(value)) {
        badValue = name;
      }
      if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.HOST)) {
        hosts++;
        host = value;
      } else if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TRANSFER_ENCODING)) {
        codings = codings == null ? value : codings + "," + value;
      } else if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.UPGRADE)) {
        h2cUpgrade |= AsciiString.containsIgnoreCase(value, H2C);
      }
    }
    if (badValue != null) {
      return Problem.bad("header_value", "the value of " + badValue + " holds NUL, CR or LF");
    }
    if (hosts > 1) {
      return Problem.bad("host", "more than one Host header");
    }
    if (host == null && !fromHttp2 && req.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
      return Problem.bad("host", "an HTTP/1.1 request needs a Host header");
    }
    if (host != null && !isAuthority(host)) {
      return Problem.bad("host", "the Host header is not host[:port]");
    }
    String uri = req.uri();
    if (!isOriginOrAsterisk(uri, method.asciiName())) {
      String origin = absoluteToOrigin(uri, host == null ? null : host.toString());
      if (origin == null) {
        return Problem.bad(
            "target",
            "the request target must be /path, or an absolute http(s) URI"
                + " whose authority is the Host header, of visible characters");
      }
      req.setUri(origin);
      if (host == null) {
        headers.set(
            HttpHeaderNames.HOST, authorityOf(uri)); // an HTTP/1.0 client's only name for the host
      }
    }
    if (codings != null && !isFinalChunked(codings.toString())) {
      return Problem.bad("transfer_encoding", "Transfer-Encoding must end with chunked");
    }
    if (codings != null && req.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
      return Problem.bad("transfer_encoding", "Transfer-Encoding in an HTTP/1.0 request");
    }
    if (h2cUpgrade) {
      headers.remove(HttpHeaderNames.UPGRADE);
      headers.remove(HTTP2_SETTINGS);
    }
    return null;
  }

  /**
   * The origin form of an absolute-form target ({@code http://host/path?q}), or null when it is not
   * one, names another authority than {@code host}, or holds characters a target may not.
   */
  static String absoluteToOrigin(String uri, String host) {
    int schemeEnd;
    if (uri.regionMatches(true, 0, "http://", 0, 7)) {
      schemeEnd = 7;
    } else if (uri.regionMatches(true, 0, "https://", 0, 8)) {
      schemeEnd = 8;
    } else {
      return null;
    }
    if (!hasTargetChars(uri)) {
      return null;
    }
    int pathStart = schemeEnd;
    while (pathStart < uri.length() && "/?#".indexOf(uri.charAt(pathStart)) < 0) {
      pathStart++;
    }
    String authority = uri.substring(schemeEnd, pathStart);
    if (!isAuthority(authority) || (host != null && !authority.equalsIgnoreCase(host))) {
      return null;
    }
    if (pathStart == uri.length()) {
      return "/";
    }
    return uri.charAt(pathStart) == '/' ? uri.substring(pathStart) : "/" + uri.substring(pathStart);
  }

  /** The authority of an absolute-form target {@link #absoluteToOrigin} accepted. */
  private static String authorityOf(String uri) {
    int start = uri.indexOf("//") + 2;
    int end = start;
    while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
      end++;
    }
    return uri.substring(start, end);
  }

  /** RFC 9112 section 6.3: a request's final transfer coding must be chunked, else 400. */
  private static boolean isFinalChunked(String codings) {
    int comma = codings.lastIndexOf(',');
    String last = (comma < 0 ? codings : codings.substring(comma + 1)).trim();
    return last.equalsIgnoreCase("chunked");
  }

  private static boolean isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private static int indexOf(CharSequence s, char c) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == c) {
        return i;
      }
    }
    return -1;
  }
}
