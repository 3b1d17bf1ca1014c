package io.flycast.proxy.limit;

/**
 * What a rate limiter says of one request.
 *
 * @param allowed whether the request may go on
 * @param remaining requests the client may still make at once (tokens left, rounded down)
 * @param waitNanos when allowed, how long until the bucket is full again; when limited, how long
 *     until the next request is allowed
 */
public record Decision(boolean allowed, int remaining, long waitNanos) {
  /** The request may go on. */
  static Decision allow(int remaining, long untilFullNanos) {
    return new Decision(true, remaining, untilFullNanos);
  }

  /** Over the limit: the next request is allowed in {@code untilNextNanos}. */
  static Decision deny(long untilNextNanos) {
    return new Decision(false, 0, untilNextNanos);
  }

  /** {@link #waitNanos} in whole seconds, rounded up, at least 1 (what Retry-After can say). */
  public long waitSeconds() {
    return Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
  }
}
