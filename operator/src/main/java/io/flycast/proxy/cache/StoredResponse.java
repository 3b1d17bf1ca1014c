package io.flycast.proxy.cache;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.IllegalReferenceCountException;

/**
 * A response in the cache: its status, headers and body, and what its age and freshness are worked
 * out from. Immutable; it owns one reference to {@code body}, given up when the cache drops it.
 *
 * <p>The body is one direct (off-heap) buffer, copied once from the backend's response as it
 * streamed; each hit sends a {@linkplain #retainedBody() retained duplicate} of it, which shares
 * the bytes: nothing is copied per hit, and the buffer is freed when the cache has dropped it and
 * the last response sending it was written.
 */
public final class StoredResponse {
  /** What a stored response costs besides its body: its headers and bookkeeping, roughly. */
  private static final int OVERHEAD = 256;

  private final int status;
  private final HttpHeaders headers;
  private final ByteBuf body;
  private final long responseMs;
  private final long initialAge;
  private final long lifetime;
  private final boolean sharedWithAuthorization;
  private final long staleIfError;

  StoredResponse(int status, HttpHeaders headers, ByteBuf body, long requestMs, long responseMs) {
    this.status = status;
    this.headers = headers;
    this.body = body;
    this.responseMs = responseMs;
    this.initialAge = CachePolicy.initialAge(headers, requestMs, responseMs);
    this.lifetime = Math.max(0, CachePolicy.freshnessLifetime(headers, responseMs));
    this.sharedWithAuthorization = CachePolicy.sharedWithAuthorization(headers);
    this.staleIfError = CachePolicy.staleIfError(headers);
  }

  public int status() {
    return status;
  }

  /** The stored header fields: read them, never change them (hits copy them). */
  public HttpHeaders headers() {
    return headers;
  }

  public int bodyLength() {
    return body.readableBytes();
  }

  /** What the entry weighs against the caps: its body plus a fixed allowance for the rest. */
  int weight(String key) {
    long w = (long) body.readableBytes() + OVERHEAD + 2L * key.length() + 32L * headers.size();
    return (int) Math.min(Integer.MAX_VALUE, w);
  }

  /** RFC 9111 section 4.2.3's current age, in seconds, at {@code nowMs}. */
  public long age(long nowMs) {
    return initialAge + Math.max(0, (nowMs - responseMs) / 1000);
  }

  /** Seconds it stays fresh from {@code nowMs}; zero or less once stale. */
  public long ttl(long nowMs) {
    return lifetime - age(nowMs);
  }

  public boolean fresh(long nowMs) {
    return ttl(nowMs) > 0;
  }

  /** RFC 5861: it may answer in place of a backend error at {@code nowMs} (stale-if-error). */
  public boolean usableOnError(long nowMs) {
    return staleIfError >= 0 && -ttl(nowMs) <= staleIfError;
  }

  /** It may answer a request that carries Authorization (RFC 9111 section 3.5). */
  public boolean sharedWithAuthorization() {
    return sharedWithAuthorization;
  }

  public String etag() {
    return headers.get(HttpHeaderNames.ETAG);
  }

  public String lastModified() {
    return headers.get(HttpHeaderNames.LAST_MODIFIED);
  }

  /**
   * The body for one more response, sharing the stored bytes; null when the cache dropped the entry
   * meanwhile (another event loop evicted it between the lookup and now): a miss, then.
   */
  public ByteBuf retainedBody() {
    try {
      return body.retainedDuplicate();
    } catch (IllegalReferenceCountException e) {
      return null;
    }
  }

  /**
   * RFC 9111 section 3.2: the entry after a 304 validated it: the 304's header fields replace the
   * stored ones of the same name (framing fields excepted), and its age starts over. Shares the
   * body, taking a reference of its own; null when the entry was dropped meanwhile.
   */
  StoredResponse refreshed(HttpHeaders notModified, long requestMs, long responseMs) {
    ByteBuf shared = retainedBody();
    if (shared == null) {
      return null;
    }
    HttpHeaders h = new DefaultHttpHeaders().set(headers);
    for (String name : notModified.names()) {
      if (name.equalsIgnoreCase("content-length") || name.equalsIgnoreCase("transfer-encoding")) {
        continue;
      }
      h.set(name, notModified.getAll(name));
    }
    return new StoredResponse(status, h, shared, requestMs, responseMs);
  }

  /** Gives up the cache's reference to the body; in-flight hits keep theirs. */
  void release() {
    if (body.refCnt() > 0) {
      try {
        body.release();
      } catch (IllegalReferenceCountException e) {
        // released already: nothing is left to free
      }
    }
  }

  /** Whether the cache still holds the body (for tests: no leak after purge or eviction). */
  boolean bodyReleased() {
    return body.refCnt() == 0;
  }

  ByteBuf body() {
    return body;
  }
}
