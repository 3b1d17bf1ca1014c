package io.flycast.catalog;

import java.time.Duration;

/**
 * A route's request rate limit: a token bucket per client (or per value of a request header) that
 * holds up to {@code burst} requests and refills {@code rate} of them every {@code per}. Each proxy
 * replica keeps its own buckets.
 *
 * @param rate requests the bucket refills per {@code per}, at least 1
 * @param per the period of {@code rate}: one second or one minute
 * @param burst the most requests the bucket holds (and lets through at once), at least 1
 * @param header the request header whose value keys the buckets; null to key them by client IP
 */
public record RateLimit(int rate, Duration per, int burst, String header) {
  /** Distinct keys (clients, header values) tracked per route and replica at most. */
  public static final int DEFAULT_MAX_KEYS = 100_000;

  public RateLimit {
    if (rate < 1 || burst < 1) {
      throw new IllegalArgumentException("rate and burst must be at least 1");
    }
    if (!per.equals(Duration.ofSeconds(1)) && !per.equals(Duration.ofMinutes(1))) {
      throw new IllegalArgumentException("per must be a second or a minute");
    }
    header = header == null || header.isBlank() ? null : header.trim();
  }

  /** Whether buckets are keyed by client IP (else by {@link #header}). */
  public boolean byClientIp() {
    return header == null;
  }

  /** How it reads in a status or the docs: {@code 10/second, burst 20, by client IP}. */
  @Override
  public String toString() {
    return rate
        + "/"
        + (per.equals(Duration.ofSeconds(1)) ? "second" : "minute")
        + ", burst "
        + burst
        + (header == null ? ", by client IP" : ", by header " + header);
  }
}
