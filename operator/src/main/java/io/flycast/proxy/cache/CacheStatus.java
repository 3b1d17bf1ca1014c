package io.flycast.proxy.cache;

import io.netty.util.AsciiString;

/**
 * The RFC 9211 {@code Cache-Status} field Flycast adds to every response of a cache-enabled route
 * it forwards or serves: one list member, {@code Flycast}, whose parameters say what the cache did.
 */
public final class CacheStatus {
  public static final AsciiString NAME = AsciiString.cached("cache-status");
  private static final String CACHE = "Flycast";

  private CacheStatus() {}

  /** Served from the cache without asking the backend, fresh for {@code ttl} more seconds. */
  public static String hit(long ttl) {
    return CACHE + "; hit; ttl=" + ttl;
  }

  /** A stale entry the backend validated with a 304: the stored response was sent. */
  static String revalidated() {
    return CACHE + "; fwd=stale; fwd-status=304";
  }

  /**
   * RFC 5861 stale-if-error: the backend answered {@code status} (a 5xx), or none could be reached
   * ({@code status} 0, no {@code fwd-status}), and the stale entry was sent instead.
   */
  static String staleOnError(int status) {
    String s = CACHE + "; hit; fwd=stale";
    return (status > 0 ? s + "; fwd-status=" + status : s) + "; detail=stale-if-error";
  }

  /** The request did not use the cache; {@code detail} says why. */
  public static String bypass(String detail) {
    return CACHE + "; fwd=bypass; detail=" + detail;
  }

  /**
   * Forwarded ({@code fwd} = uri-miss, vary-miss, stale, request), with the backend's status, and
   * whether the response is stored (known when its length is) or why it is not.
   */
  static String forward(String fwd, int status, boolean stored, String notStored) {
    String s = CACHE + "; fwd=" + fwd + "; fwd-status=" + status;
    if (stored) {
      return s + "; stored";
    }
    return notStored == null ? s : s + "; detail=" + notStored;
  }
}
