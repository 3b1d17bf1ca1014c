/**
 * Per-route request rate limits: a token bucket per client IP (or per value of a request header),
 * kept in a size-bounded cache per route ({@code RateLimiter}), one limiter per route with a limit
 * ({@code RateLimits}). Decides only; answering 429 with the {@code RateLimit} headers, counting
 * and logging happen in {@link io.flycast.proxy.http}.
 *
 * <p>Separate because it is pure policy, like {@link io.flycast.proxy.balance}: clocks, keys and
 * counts, no channel and no HTTP, so it is tested without sockets and names nothing else of the
 * proxy.
 */
package io.flycast.proxy.limit;
