package io.flycast.catalog;

/**
 * Per-backend load limits. Below {@code softLimit} a backend is preferred; between soft and hard it
 * takes work only when every backend is over soft; at {@code hardLimit} it gets nothing new.
 */
public record Concurrency(ConcurrencyType type, int softLimit, int hardLimit) {
  /** Fly's default soft limit. */
  public static final int DEFAULT_SOFT_LIMIT = 20;

  /** Stands for "no hard limit": a backend is never refused for load alone. */
  public static final int NO_HARD_LIMIT = Integer.MAX_VALUE;

  public static final Concurrency DEFAULT =
      new Concurrency(ConcurrencyType.CONNECTIONS, DEFAULT_SOFT_LIMIT, NO_HARD_LIMIT);

  public boolean hasHardLimit() {
    return hardLimit != NO_HARD_LIMIT;
  }
}
