package io.flycast.catalog;

/**
 * A route's HTTP response cache (RFC 9111, shared cache): at most {@code maxBytes} of stored
 * responses, none larger than {@code maxEntryBytes}. Each proxy replica keeps its own.
 *
 * @param maxBytes the route's cache size on one replica, in bytes, at least 1
 * @param maxEntryBytes the largest response body stored, in bytes, at least 1 and at most {@code
 *     maxBytes}; larger responses stream through uncached
 */
public record CacheSettings(long maxBytes, long maxEntryBytes) {
  public static final long MIB = 1024L * 1024;

  /** A route's cache size when its spec names none. */
  public static final long DEFAULT_MAX_BYTES = 64 * MIB;

  /** The largest body stored when the spec names no limit. */
  public static final long DEFAULT_MAX_ENTRY_BYTES = MIB;

  /** The replica's cache size over every route, when {@code --cache-max-size} is not given. */
  public static final long DEFAULT_GLOBAL_MAX_BYTES = 256 * MIB;

  /** The defaults: 64 MiB per route, 1 MiB per entry. */
  public static final CacheSettings DEFAULT =
      new CacheSettings(DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRY_BYTES);

  public CacheSettings {
    if (maxBytes < 1 || maxEntryBytes < 1 || maxEntryBytes > maxBytes) {
      throw new IllegalArgumentException(
          "sizes must be at least 1 and an entry at most the cache: "
              + maxBytes
              + ", "
              + maxEntryBytes);
    }
  }

  /** How it reads in the status page: {@code 64Mi, entries up to 1Mi}. */
  @Override
  public String toString() {
    return size(maxBytes) + ", entries up to " + size(maxEntryBytes);
  }

  private static final java.util.regex.Pattern SIZE =
      java.util.regex.Pattern.compile("(-?\\d{1,15})\\s*(Ki|Mi|Gi|k|K|M|G)?");

  /**
   * A size as written in specs, annotations and flags: {@code 64Mi}, {@code 512Ki}, {@code 1G},
   * {@code 1048576} (bytes). Throws {@link IllegalArgumentException} saying what is wrong when it
   * is not a size or below 1.
   */
  public static long parseSize(String value) {
    var m = SIZE.matcher(value.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'" + value + "' is not a size; expected one such as 64Mi, 512Ki or 1048576");
    }
    long n = Long.parseLong(m.group(1));
    if (n < 1) {
      throw new IllegalArgumentException(value + " is below 1 byte");
    }
    String unit = m.group(2) == null ? "" : m.group(2);
    long factor =
        switch (unit) {
          case "Ki" -> 1024L;
          case "Mi" -> MIB;
          case "Gi" -> 1024 * MIB;
          case "k", "K" -> 1000L;
          case "M" -> 1000L * 1000;
          case "G" -> 1000L * 1000 * 1000;
          default -> 1L;
        };
    return n * factor;
  }

  /** A byte count as Kubernetes quantities write it when it is a whole number of Ki/Mi/Gi. */
  public static String size(long bytes) {
    String[] units = {"Gi", "Mi", "Ki"};
    long[] factors = {1024 * MIB, MIB, 1024};
    for (int i = 0; i < units.length; i++) {
      if (bytes >= factors[i] && bytes % factors[i] == 0) {
        return bytes / factors[i] + units[i];
      }
    }
    return Long.toString(bytes);
  }
}
