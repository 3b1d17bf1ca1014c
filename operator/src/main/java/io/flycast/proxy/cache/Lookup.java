package io.flycast.proxy.cache;

/**
 * What the cache has for a request.
 *
 * @param outcome what happens next
 * @param entry the stored response for {@link Outcome#HIT} and {@link Outcome#STALE}; for a {@link
 *     Outcome#MISS} a stale one without validator (it may still answer a backend error), or null
 * @param detail the {@code Cache-Status} {@code fwd} value of a miss ({@code uri-miss}, {@code
 *     vary-miss}, {@code request}) or the reason of a bypass
 */
public record Lookup(Outcome outcome, StoredResponse entry, String detail) {
  /** What the cache does with the request. */
  public enum Outcome {
    /** A fresh stored response answers it; the backend is not asked. */
    HIT,
    /** A stored response needs validating: the request goes with its validators. */
    STALE,
    /** Nothing stored answers it: the request goes on, and its response may be stored. */
    MISS,
    /** The request does not use the cache at all. */
    BYPASS
  }

  static Lookup bypass(String why) {
    return new Lookup(Outcome.BYPASS, null, why);
  }

  static Lookup miss(String fwd) {
    return new Lookup(Outcome.MISS, null, fwd);
  }
}
