package io.flycast.proxy.cache;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A forwarded request of a cache-enabled route, on its way back: labels the response with {@code
 * Cache-Status}, copies its body as it streams to the client (once, into one direct buffer) and
 * stores it when it ends; gives up the copy as soon as the body outgrows the entry cap, the
 * response streaming on uncached. When the request revalidated a stored response and the backend
 * answered 304, the stored response goes to the client instead, refreshed.
 *
 * <p>Event-loop confined, like the exchange it serves. {@link #release} gives back whatever it
 * holds when the exchange ends without a whole response.
 */
public final class ResponseTee {
  private final ResponseCaches caches;
  private final RouteCache cache;
  private final String primary;
  private final HttpHeaders request;
  private final Lookup lookup;
  private final String bypass;
  private final boolean head;
  private final boolean unsafeMethod;
  private final LongSupplier clock;
  private final Consumer<String> result;
  private final long requestMs;

  /** The stored body for a revalidation, taken at lookup so eviction cannot free it meanwhile. */
  private ByteBuf revalidated;

  /** The stored body going to the client in place of a 304's (empty) one. */
  private ByteBuf substitute;

  private HttpResponse storing;
  private ByteBuf copy;
  private boolean counted;

  /** A stale entry that may answer in place of a backend error (stale-if-error), its body held. */
  private StoredResponse onError;

  private ByteBuf onErrorBody;

  /** The flight this request leads: identical misses wait for its response. */
  private MissFlights.Flight leading;

  /** The flight this request may wait for instead of asking the backend itself. */
  private MissFlights.Flight following;

  public ResponseTee(
      ResponseCaches caches,
      RouteCache cache,
      String primary,
      HttpHeaders request,
      Lookup lookup,
      String bypass,
      boolean head,
      boolean unsafeMethod,
      LongSupplier clock,
      Consumer<String> result) {
    this.caches = caches;
    this.cache = cache;
    this.primary = primary;
    this.request = request;
    this.lookup = lookup;
    this.bypass = bypass;
    this.head = head;
    this.unsafeMethod = unsafeMethod;
    this.clock = clock;
    this.result = result;
    this.requestMs = clock.getAsLong();
    if (lookup != null && lookup.entry() != null && lookup.entry().usableOnError(requestMs)) {
      onErrorBody = lookup.entry().retainedBody();
      onError = onErrorBody == null ? null : lookup.entry();
    }
    if (lookup != null && lookup.outcome() == Lookup.Outcome.STALE) {
      revalidated = lookup.entry().retainedBody();
    }
  }

  /** This request's miss leads {@code f}: it lands once the response is stored or will not be. */
  public void lead(MissFlights.Flight f) {
    leading = f;
  }

  /** Another request's miss of the same URL is in the air: this one may wait for it. */
  public void follow(MissFlights.Flight f) {
    following = f;
  }

  /** The flight to wait for before going to the backend, or null. */
  public MissFlights.Flight following() {
    return following;
  }

  /**
   * After the wait: the fresh entry the leader stored for this request (its Vary values too), or
   * null when there is none and the request goes to the backend itself.
   */
  public StoredResponse collapsedHit(long nowMs) {
    Lookup l = cache.lookup(primary, request, nowMs);
    return l.outcome() == Lookup.Outcome.HIT ? l.entry() : null;
  }

  /** The request was answered with {@link #collapsedHit}: a hit, and nothing held any more. */
  public void servedCollapsed() {
    count("hit");
    release();
  }

  private void land() {
    if (leading != null) {
      leading.land();
      leading = null;
    }
  }

  /** Whether the request goes with the stored response's validators (set by the caller). */
  public boolean revalidates() {
    return revalidated != null;
  }

  /** The stored response being revalidated, or null. */
  public StoredResponse revalidating() {
    return revalidated == null ? null : lookup.entry();
  }

  /**
   * The response head from the backend: labelled, and decided on. Returns the head to send: {@code
   * resp} itself, or after a 304 that validated the stored response, that response, refreshed.
   */
  public HttpResponse head(HttpResponse resp) {
    int status = resp.status().code();
    long now = clock.getAsLong();
    if (bypass != null) {
      count("bypass");
      if (unsafeMethod && status < 400) {
        cache.invalidate(primary); // RFC 9111 section 4.4: the resource changed
      }
      resp.headers().set(CacheStatus.NAME, CacheStatus.bypass(bypass));
      return resp;
    }
    if (status >= 500 && onError != null && onError.usableOnError(now)) {
      substitute = onErrorBody; // the backend's error body is dropped, the stored one goes
      onErrorBody = null;
      HttpResponse stale = staleHead(resp.headers().get("fly-request-id"), status);
      land(); // nothing is stored: the waiters go on
      return stale;
    }
    String fwd = lookup.detail();
    if (revalidated != null && status == 304) {
      StoredResponse fresh = lookup.entry().refreshed(resp.headers(), requestMs, now);
      if (fresh != null) {
        substitute = fresh.retainedBody(); // before the store: it may evict the entry at once
        caches.store(cache, primary, request, fresh);
        releaseRevalidated();
        count("hit");
        return served(fresh, resp);
      }
    }
    count(lookup.outcome() == Lookup.Outcome.MISS && !"stale".equals(fwd) ? "miss" : "expired");
    String reason =
        head ? "head" : CachePolicy.notStorable(status, resp.headers(), authorized(), now);
    long length = HttpUtil.getContentLength(resp, -1L);
    if (reason == null && length > cache.settings().maxEntryBytes()) {
      reason = "too-large";
    }
    String label = CacheStatus.forward(fwd, status, reason == null && length >= 0, reason);
    if (reason != null) {
      land(); // nothing will be stored: the waiters go to the backend now, not at the end
    } else {
      storing =
          new DefaultHttpResponse(HttpVersion.HTTP_1_1, resp.status(), copyOf(resp.headers()));
      int max = (int) Math.min(Integer.MAX_VALUE - 8, cache.settings().maxEntryBytes());
      copy = Unpooled.directBuffer(length >= 0 ? (int) length : Math.min(8192, max), max);
    }
    resp.headers().set(CacheStatus.NAME, label);
    return resp;
  }

  /**
   * No backend could be reached (502, 503): the stale entry instead, whole, when its stale-if-error
   * window covers now; else null and the error goes to the client.
   */
  public FullHttpResponse staleOnUnreachable(String requestId) {
    if (onError == null || !onError.usableOnError(clock.getAsLong())) {
      return null;
    }
    HttpResponse h = staleHead(requestId, 0);
    ByteBuf body = head ? releaseAndEmpty(onErrorBody) : onErrorBody;
    onErrorBody = null;
    return new DefaultFullHttpResponse(
        HttpVersion.HTTP_1_1, h.status(), body, h.headers(), EmptyHttpHeaders.INSTANCE);
  }

  private HttpResponse staleHead(String requestId, int backendStatus) {
    count("stale");
    HttpHeaders h = copyOf(onError.headers());
    if (requestId != null) {
      h.set("fly-request-id", requestId);
    }
    h.set(HttpHeaderNames.AGE, onError.age(clock.getAsLong()));
    h.set(CacheStatus.NAME, CacheStatus.staleOnError(backendStatus));
    return new DefaultHttpResponse(
        HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(onError.status()), h);
  }

  private HttpResponse served(StoredResponse fresh, HttpResponse notModified) {
    HttpHeaders h = copyOf(fresh.headers());
    String requestId = notModified.headers().get("fly-request-id");
    if (requestId != null) {
      h.set("fly-request-id", requestId);
    }
    h.set(HttpHeaderNames.AGE, fresh.age(clock.getAsLong()));
    h.set(CacheStatus.NAME, CacheStatus.revalidated());
    return new DefaultHttpResponse(
        HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(fresh.status()), h);
  }

  /**
   * A piece of the backend's body: copied when storing, and returned for the client; the stored
   * body instead when a 304 is being replaced.
   */
  public HttpContent content(HttpContent content) {
    boolean last = content instanceof LastHttpContent;
    if (substitute != null) {
      content.release();
      if (!last) {
        return new DefaultHttpContent(Unpooled.EMPTY_BUFFER);
      }
      ByteBuf body = substitute;
      substitute = null;
      return new DefaultLastHttpContent(head ? releaseAndEmpty(body) : body);
    }
    if (copy != null) {
      ByteBuf in = content.content();
      if (in.readableBytes() > copy.maxWritableBytes()) {
        dropCopy(); // over the entry cap: the rest streams through uncached
        land();
      } else {
        copy.writeBytes(in, in.readerIndex(), in.readableBytes());
        if (last) {
          storeCopy();
        }
      }
    }
    return content;
  }

  private void storeCopy() {
    ByteBuf body = copy;
    copy = null;
    HttpHeaders h = storing.headers();
    h.remove(HttpHeaderNames.TRANSFER_ENCODING);
    h.setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
    StoredResponse r =
        new StoredResponse(storing.status().code(), h, body, requestMs, clock.getAsLong());
    storing = null;
    caches.store(cache, primary, request, r);
    land(); // stored: the waiters are hits now
  }

  /** The exchange ended without a whole response (or after it): gives back what is held. */
  public void release() {
    if (!counted && bypass == null) {
      count(lookup.outcome() == Lookup.Outcome.STALE ? "expired" : "miss");
    }
    dropCopy();
    if (onErrorBody != null) {
      onErrorBody.release();
      onErrorBody = null;
    }
    land(); // a failure, a client gone, or the end: nobody waits on past this
    releaseRevalidated();
    if (substitute != null) {
      substitute.release();
      substitute = null;
    }
  }

  private void dropCopy() {
    if (copy != null) {
      copy.release();
      copy = null;
      storing = null;
    }
  }

  private void releaseRevalidated() {
    if (revalidated != null) {
      revalidated.release();
      revalidated = null;
    }
  }

  private void count(String r) {
    if (!counted) {
      counted = true;
      result.accept(r);
    }
  }

  private boolean authorized() {
    return request.contains(HttpHeaderNames.AUTHORIZATION);
  }

  private static ByteBuf releaseAndEmpty(ByteBuf b) {
    b.release();
    return Unpooled.EMPTY_BUFFER;
  }

  static HttpHeaders copyOf(HttpHeaders h) {
    return new DefaultHttpHeaders().set(h);
  }
}
