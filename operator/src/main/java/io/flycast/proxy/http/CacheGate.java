package io.flycast.proxy.http;

import io.flycast.catalog.Route;
import io.flycast.proxy.ProxyContext;
import io.flycast.proxy.RequestRecord;
import io.flycast.proxy.cache.CachePolicy;
import io.flycast.proxy.cache.CacheStatus;
import io.flycast.proxy.cache.Lookup;
import io.flycast.proxy.cache.MissFlights;
import io.flycast.proxy.cache.ResponseTee;
import io.flycast.proxy.cache.RouteCache;
import io.flycast.proxy.cache.StoredResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * A route's response cache at the HTTP entry point ({@link io.flycast.proxy.cache}): looks the
 * request up before any backend is picked, so a fresh hit is answered here, as the proxy's own
 * responses are, without the balancer, a backend connection or autostart; anything else goes on to
 * the backend with a {@link ResponseTee} that labels, stores or revalidates its response.
 *
 * <p>It also makes the answers the cache gives in place of the backend later in the exchange: a
 * collapsed waiter's hit, and a stale entry for a failure ({@code stale-if-error}). The exchange
 * only decides when to ask for them. Both carry the route's rate limit fields ({@link
 * RateLimitGate.Pace}), as a hit before any backend and a backend's response do.
 *
 * <p>The handler asks after the access rules, the https redirect and the rate limit: a cached
 * response is no more public than the route, and a hit still costs the client its budget.
 */
final class CacheGate {
  private CacheGate() {}

  /**
   * A {@link FullHttpResponse} that answers the request from the cache, a {@link ResponseTee} for
   * the exchange, or null when the route caches nothing.
   */
  static Object consult(
      ProxyContext px, RouteResolver.Target target, HttpRequest req, RequestRecord record) {
    Route route = target.route();
    RouteCache cache = px.caches().forRoute(route.key(), route.spec().cache());
    if (cache == null) {
      return null;
    }
    Consumer<String> result =
        r -> {
          px.metrics().cacheRequest(route.key(), r);
          record.cache(r);
        };
    HttpHeaders h = req.headers();
    HttpMethod method = req.method();
    boolean head = method.equals(HttpMethod.HEAD);
    String primary = primaryKey(target.port().port(), req);
    String bypass = CachePolicy.requestBypass(method, h);
    if (bypass != null) {
      boolean unsafe =
          !head && !method.equals(HttpMethod.GET) && !method.equals(HttpMethod.OPTIONS);
      return new ResponseTee(
          px.caches(),
          cache,
          primary,
          h,
          null,
          bypass,
          head,
          unsafe,
          System::currentTimeMillis,
          result);
    }
    long now = System.currentTimeMillis();
    Lookup found = cache.lookup(primary, h, now);
    if (found.outcome() == Lookup.Outcome.HIT) {
      FullHttpResponse hit = hit(px.config().zone(), found.entry(), req, record, now);
      if (hit != null) {
        result.accept("hit");
        return hit;
      }
      found = new Lookup(Lookup.Outcome.MISS, null, "uri-miss"); // evicted meanwhile
    }
    boolean conditional = CachePolicy.conditional(h);
    if (found.outcome() == Lookup.Outcome.STALE && conditional) {
      // The client validates its own copy: its request goes as it is, answering it from the
      // stored response would need the stored one validated first.
      found = new Lookup(Lookup.Outcome.MISS, found.entry(), "stale");
    }
    // A copy: the exchange rewrites the request's fields for the backend, and Vary needs the
    // client's values when the response comes.
    HttpHeaders asked = new DefaultHttpHeaders().set(h);
    ResponseTee tee =
        new ResponseTee(
            px.caches(),
            cache,
            primary,
            asked,
            found,
            null,
            head,
            false,
            System::currentTimeMillis,
            result);
    if (found.outcome() == Lookup.Outcome.MISS
        && method.equals(HttpMethod.GET)
        && !conditional
        && FlyHeaders.hasNoBody(req)) {
      MissFlights.Flight flight = cache.flights().lead(primary);
      if (flight != null) {
        tee.lead(flight);
      } else {
        tee.follow(cache.flights().inAir(primary));
      }
    }
    StoredResponse stale = tee.revalidating();
    if (stale != null) {
      if (stale.etag() != null) {
        h.set(HttpHeaderNames.IF_NONE_MATCH, stale.etag());
      }
      if (stale.lastModified() != null) {
        h.set(HttpHeaderNames.IF_MODIFIED_SINCE, stale.lastModified());
      }
    }
    return tee;
  }

  /**
   * A request that waited for another's miss of its URL ({@link MissFlights}, {@link
   * CollapsedWait}): the response that miss stored, labelled {@code hit; detail=collapsed}, counted
   * and logged as such, the tee done with; or null when there is none for it (the request goes to
   * the backend itself, the tee still in use). {@code pace}: the route's rate limit fields, or
   * null.
   */
  static FullHttpResponse collapsed(
      String zone,
      ResponseTee tee,
      HttpRequest req,
      RequestRecord record,
      RateLimitGate.Pace pace) {
    long now = System.currentTimeMillis();
    StoredResponse e = tee.collapsedHit(now);
    FullHttpResponse r = e == null ? null : hit(zone, e, req, record, now);
    if (r != null) {
      r.headers().set(CacheStatus.NAME, CacheStatus.hit(e.ttl(now)) + "; detail=collapsed");
      tee.servedCollapsed();
      record.cache("collapsed");
      paced(r, pace);
    }
    return r;
  }

  /**
   * What answers in place of {@code error}, the proxy's own answer when the exchange failed before
   * any response (no backend reached, or it closed): the stale entry, whole, when the error is a
   * 5xx and the entry's {@code stale-if-error} window covers now; else null, and the error goes to
   * the client. Before the tee is released: it holds the entry's body until then. {@code pace}: the
   * route's rate limit fields, or null.
   */
  static FullHttpResponse staleInstead(
      ResponseTee tee, FullHttpResponse error, String requestId, RateLimitGate.Pace pace) {
    if (tee == null || error == null || error.status().code() < 500) {
      return null;
    }
    return paced(tee.staleOnUnreachable(requestId), pace);
  }

  /** {@code r} with the rate limit fields of {@code pace}, if both are there. */
  private static FullHttpResponse paced(FullHttpResponse r, RateLimitGate.Pace pace) {
    if (r != null && pace != null) {
      pace.apply(r.headers());
    }
    return r;
  }

  /**
   * The cache key's first part: the client port (a route's ports may lead to different backend
   * ports), the Host as sent, lower-cased, and the request target, path and query whole.
   */
  static String primaryKey(int port, HttpRequest req) {
    String host = req.headers().get(HttpHeaderNames.HOST, "").toLowerCase(Locale.ROOT);
    return port + " " + host + " " + req.uri();
  }

  /**
   * The stored response for this request, with its {@code Age}, {@code Cache-Status} and a request
   * id of its own; a 304 when the client's {@code If-None-Match} names the stored ETag. Null when
   * the entry was dropped since the lookup.
   */
  private static FullHttpResponse hit(
      String zone, StoredResponse e, HttpRequest req, RequestRecord record, long now) {
    boolean notModified = notModified(req.headers(), e);
    boolean noBody = notModified || req.method().equals(HttpMethod.HEAD);
    ByteBuf body = noBody ? Unpooled.EMPTY_BUFFER : e.retainedBody();
    if (body == null) {
      return null;
    }
    HttpHeaders h = new DefaultHttpHeaders().set(e.headers());
    String requestId = FlyHeaders.newRequestId(zone);
    record.requestId(requestId);
    h.set(FlyHeaders.FLY_REQUEST_ID, requestId);
    h.set(HttpHeaderNames.AGE, e.age(now));
    h.set(CacheStatus.NAME, CacheStatus.hit(e.ttl(now)));
    HttpResponseStatus status =
        notModified ? HttpResponseStatus.NOT_MODIFIED : HttpResponseStatus.valueOf(e.status());
    return new DefaultFullHttpResponse(
        HttpVersion.HTTP_1_1, status, body, h, EmptyHttpHeaders.INSTANCE);
  }

  /**
   * RFC 9110 section 13.2.2: If-None-Match when the request has it, else If-Modified-Since against
   * the stored Last-Modified (a date the client has that is not older than it).
   */
  static boolean notModified(HttpHeaders req, StoredResponse e) {
    String ifNoneMatch = req.get(HttpHeaderNames.IF_NONE_MATCH);
    if (ifNoneMatch != null) {
      return matches(ifNoneMatch, e.etag());
    }
    String since = req.get(HttpHeaderNames.IF_MODIFIED_SINCE);
    if (since == null || e.lastModified() == null) {
      return false;
    }
    Instant client = httpDate(since);
    Instant modified = httpDate(e.lastModified());
    return client != null && modified != null && !modified.isAfter(client);
  }

  /** An IMF-fixdate (RFC 9110 section 5.6.7), or null when it is not one. */
  private static Instant httpDate(String s) {
    try {
      return DateTimeFormatter.RFC_1123_DATE_TIME.parse(s.trim(), Instant::from);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** RFC 9110 section 13.1.2: If-None-Match by weak comparison. */
  static boolean matches(String ifNoneMatch, String etag) {
    if (ifNoneMatch == null || etag == null) {
      return false;
    }
    String tag = weak(etag);
    for (String candidate : ifNoneMatch.split(",")) {
      String c = candidate.trim();
      if (c.equals("*") || weak(c).equals(tag)) {
        return true;
      }
    }
    return false;
  }

  private static String weak(String tag) {
    return tag.startsWith("W/") ? tag.substring(2) : tag;
  }
}
