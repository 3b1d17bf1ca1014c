package io.flycast.proxy.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Policy;
import io.flycast.catalog.CacheSettings;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One route's stored responses on this replica, in a Caffeine cache weighed in bytes and bounded to
 * the route's {@link CacheSettings#maxBytes()}; the replica's total is bounded by {@link
 * ResponseCaches}. Eviction is Caffeine's W-TinyLFU (recency with a frequency filter, so the
 * one-off URLs of a crawl are the first to go); it runs on the calling thread, so the bound holds
 * after every store, and each dropped entry gives its body back at once.
 *
 * <p>Keys: the primary key is the client port, the Host and the request target (path and query). A
 * response with {@code Vary} is stored under the primary key plus the request's values of the
 * fields it names; the names are remembered per primary key (with a generation, so variants stored
 * before an invalidation are never found again).
 */
public final class RouteCache {
  private static final AtomicLong GENERATIONS = new AtomicLong();

  /** The selecting field names of a URL's responses, and the generation of their variants. */
  private record VaryIndex(List<String> names, long generation) {}

  private final CacheSettings settings;
  private final AtomicLong total;
  private final AtomicLong bytes = new AtomicLong();
  private final Cache<String, StoredResponse> entries;
  private final Cache<String, VaryIndex> varyByUri;
  private final MissFlights flights = new MissFlights();

  /** Purged: the route's spec changed. A response still streaming in is not stored. */
  private volatile boolean closed;

  RouteCache(CacheSettings settings, AtomicLong total) {
    this.settings = settings;
    this.total = total;
    this.entries =
        Caffeine.newBuilder()
            .maximumWeight(settings.maxBytes())
            .<String, StoredResponse>weigher((k, v) -> v.weight(k))
            .executor(Runnable::run)
            .<String, StoredResponse>removalListener(
                (k, v, cause) -> {
                  if (k != null && v != null) {
                    long w = v.weight(k);
                    bytes.addAndGet(-w);
                    total.addAndGet(-w);
                    v.release();
                  }
                })
            .build();
    this.varyByUri = Caffeine.newBuilder().maximumSize(100_000).executor(Runnable::run).build();
  }

  public CacheSettings settings() {
    return settings;
  }

  /** The route's misses in the air, and the requests waiting for them. */
  public MissFlights flights() {
    return flights;
  }

  /** Bytes the route's entries weigh now. */
  public long bytes() {
    return bytes.get();
  }

  /** Entries stored now (after pending evictions). */
  public long entries() {
    entries.cleanUp();
    return entries.estimatedSize();
  }

  /**
   * What is stored for a request: a fresh entry ({@link Lookup.Outcome#HIT}), one to revalidate
   * ({@code STALE}: stale, or the request asks for validation, and it has a validator), or a miss.
   */
  public Lookup lookup(String primary, HttpHeaders req, long nowMs) {
    VaryIndex vary = varyByUri.getIfPresent(primary);
    StoredResponse e = entries.getIfPresent(key(primary, vary, req));
    if (e == null) {
      return Lookup.miss(vary == null ? "uri-miss" : "vary-miss");
    }
    if (req.contains(HttpHeaderNames.AUTHORIZATION) && !e.sharedWithAuthorization()) {
      return Lookup.miss("request"); // RFC 9111 section 3.5: not for requests with Authorization
    }
    boolean validate = !e.fresh(nowMs) || CachePolicy.requestWantsValidation(req);
    if (!validate) {
      return new Lookup(Lookup.Outcome.HIT, e, null);
    }
    return CachePolicy.hasValidator(e.headers())
        ? new Lookup(Lookup.Outcome.STALE, e, "stale")
        : new Lookup(Lookup.Outcome.MISS, e, "stale"); // kept for stale-if-error
  }

  /** Stores {@code r} as the response to {@code req}, replacing what was there. */
  void store(String primary, HttpHeaders req, StoredResponse r) {
    if (closed) {
      r.release();
      return;
    }
    List<String> names = varyNames(r.headers());
    VaryIndex vary = null;
    if (names.isEmpty()) {
      varyByUri.invalidate(primary);
    } else {
      vary =
          varyByUri
              .asMap()
              .compute(
                  primary,
                  (k, old) ->
                      old != null && old.names().equals(names)
                          ? old
                          : new VaryIndex(names, GENERATIONS.incrementAndGet()));
    }
    String key = key(primary, vary, req);
    long w = r.weight(key);
    bytes.addAndGet(w);
    total.addAndGet(w);
    entries.put(key, r);
    if (closed) {
      entries.invalidateAll(); // purged while this was stored: nothing may stay
    }
  }

  /**
   * RFC 9111 section 4.4: an unsafe request changed the resource: what is stored for its URL (every
   * variant) is not used again.
   */
  void invalidate(String primary) {
    varyByUri.invalidate(primary);
    entries.invalidate(primary);
  }

  /** Drops every entry (a spec change, a manual purge). */
  public void purge() {
    closed = true;
    varyByUri.invalidateAll();
    entries.invalidateAll();
    entries.cleanUp();
  }

  /** Drops the coldest entries until {@code needed} bytes were freed or none is left. */
  long evictColdest(long needed) {
    Policy.Eviction<String, StoredResponse> eviction = entries.policy().eviction().orElseThrow();
    long freed = 0;
    while (freed < needed) {
      Map<String, StoredResponse> coldest = eviction.coldest(16);
      if (coldest.isEmpty()) {
        break;
      }
      for (var e : coldest.entrySet()) {
        if (entries.asMap().remove(e.getKey(), e.getValue())) {
          freed += e.getValue().weight(e.getKey());
          if (freed >= needed) {
            break;
          }
        }
      }
    }
    return freed;
  }

  private static String key(String primary, VaryIndex vary, HttpHeaders req) {
    if (vary == null) {
      return primary;
    }
    StringBuilder k = new StringBuilder(primary).append('\0').append(vary.generation());
    for (String name : vary.names()) {
      k.append('\0').append(name).append('=');
      k.append(String.join(",", req.getAll(name)).trim());
    }
    return k.toString();
  }

  /** The field names a response's {@code Vary} lists, lower-cased and sorted. */
  static List<String> varyNames(HttpHeaders resp) {
    List<String> names = new ArrayList<>();
    for (String line : resp.getAll(HttpHeaderNames.VARY)) {
      for (String n : line.split(",")) {
        String t = n.trim().toLowerCase(Locale.ROOT);
        if (!t.isEmpty() && !names.contains(t)) {
          names.add(t);
        }
      }
    }
    names.sort(null);
    return names;
  }
}
