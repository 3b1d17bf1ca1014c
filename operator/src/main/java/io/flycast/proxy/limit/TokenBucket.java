package io.flycast.proxy.limit;

/**
 * One client's bucket: holds up to {@code burst} tokens, refills at a fixed rate, and a request
 * takes one. Starts full, so a new client gets its whole burst. Thread-safe: one client's
 * connections may sit on different event loops.
 */
final class TokenBucket {
  private final double burst;
  private final double tokensPerNano;
  private double tokens;
  private long lastNanos;

  TokenBucket(int burst, double tokensPerNano, long nowNanos) {
    this.burst = burst;
    this.tokensPerNano = tokensPerNano;
    this.tokens = burst;
    this.lastNanos = nowNanos;
  }

  /** Takes a token at {@code nowNanos} if there is one. */
  synchronized Decision take(long nowNanos) {
    long elapsed = Math.max(0, nowNanos - lastNanos);
    tokens = Math.min(burst, tokens + elapsed * tokensPerNano);
    lastNanos = nowNanos;
    if (tokens >= 1) {
      tokens -= 1;
      long untilFull = (long) Math.ceil((burst - tokens) / tokensPerNano);
      return Decision.allow((int) tokens, untilFull);
    }
    long untilNext = (long) Math.ceil((1 - tokens) / tokensPerNano);
    return Decision.deny(untilNext);
  }
}
