package io.flycast.proxy.limit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.flycast.catalog.RateLimit;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * One route's rate limit on one replica: a {@link TokenBucket} per key (client IP, or a request
 * header's value), in a Caffeine cache bounded to {@code maxKeys} entries.
 *
 * <p>Bounded memory: a flood of distinct client addresses makes at most {@code maxKeys} buckets;
 * past that the cache evicts, by Caffeine's W-TinyLFU policy (recency with a frequency filter, so
 * one-off keys of a flood are the first to go, ahead of clients that come back). An evicted client
 * comes back with a full bucket, which is as generous as the limit gets and never stricter. Buckets
 * idle for as long as a refill from empty takes are full again, so they expire then: forgetting
 * them changes nothing. Eviction runs on the calling thread (an event loop), a constant amount of
 * work per request, so no background thread is needed and the bound holds after every call.
 */
public final class RateLimiter {
  private final RateLimit limit;
  private final LongSupplier nanoTime;
  private final double tokensPerNano;
  private final Cache<String, TokenBucket> buckets;

  /** A limiter on the system clock. */
  public RateLimiter(RateLimit limit, int maxKeys) {
    this(limit, maxKeys, System::nanoTime);
  }

  RateLimiter(RateLimit limit, int maxKeys, LongSupplier nanoTime) {
    this.limit = limit;
    this.nanoTime = nanoTime;
    this.tokensPerNano = (double) limit.rate() / limit.per().toNanos();
    long refillNanos = (long) Math.ceil(limit.burst() / tokensPerNano);
    this.buckets =
        Caffeine.newBuilder()
            .maximumSize(maxKeys)
            .expireAfterAccess(Duration.ofNanos(Math.max(refillNanos, 1_000_000_000L)))
            .executor(Runnable::run)
            .ticker(nanoTime::getAsLong)
            .build();
  }

  /** The limit this limiter enforces. */
  public RateLimit limit() {
    return limit;
  }

  /** Takes one request of {@code key}'s budget. */
  public Decision take(String key) {
    long now = nanoTime.getAsLong();
    return buckets.get(key, k -> new TokenBucket(limit.burst(), tokensPerNano, now)).take(now);
  }

  /** Keys tracked now (after pending evictions), for tests and the status page. */
  public long trackedKeys() {
    buckets.cleanUp();
    return buckets.estimatedSize();
  }
}
