package io.flycast.proxy.cache;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Set;

/**
 * RFC 9111's rules for a shared cache, as pure functions of a request's or a response's headers:
 * what may be looked up, what may be stored, for how long a stored response is fresh, and how old
 * it is. Flycast stores only responses with explicit freshness ({@code s-maxage}, {@code max-age}
 * or {@code Expires}), or a validator to revalidate them with: it computes no heuristic freshness.
 */
public final class CachePolicy {
  /**
   * RFC 9110 section 15.1: the statuses cacheable by default. 206 is left out: Flycast does not
   * combine ranges, so range requests bypass the cache.
   */
  static final Set<Integer> CACHEABLE_STATUSES =
      Set.of(200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501);

  private CachePolicy() {}

  /**
   * Why a request neither reads nor fills the cache, as a {@code Cache-Status} detail; null when it
   * may. Only GET and HEAD are looked up; range and upgrade requests go to the backend; a request
   * {@code no-store} keeps its response out of the cache (RFC 9111 section 5.2.1.5).
   */
  public static String requestBypass(HttpMethod method, HttpHeaders h) {
    if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
      return "method";
    }
    if (h.contains(HttpHeaderNames.RANGE)) {
      return "range";
    }
    if (h.contains(HttpHeaderNames.UPGRADE)) {
      return "upgrade";
    }
    if (CacheControl.parse(h.getAll(HttpHeaderNames.CACHE_CONTROL)).has("no-store")) {
      return "no-store";
    }
    return null;
  }

  /**
   * The request asks for a response validated by the origin ({@code no-cache}, {@code max-age=0},
   * or HTTP/1.0's {@code Pragma: no-cache} without a Cache-Control): a stored one is revalidated
   * even when fresh.
   */
  public static boolean requestWantsValidation(HttpHeaders h) {
    CacheControl cc = CacheControl.parse(h.getAll(HttpHeaderNames.CACHE_CONTROL));
    if (cc.directives().isEmpty()) {
      String pragma = h.get(HttpHeaderNames.PRAGMA);
      return pragma != null && pragma.toLowerCase(java.util.Locale.ROOT).contains("no-cache");
    }
    return cc.has("no-cache") || cc.seconds("max-age") == 0;
  }

  /**
   * RFC 5861 section 4: the seconds past its freshness a response may still answer in place of a
   * backend error ({@code stale-if-error}); -1 when it says none, or when {@code must-revalidate},
   * {@code proxy-revalidate}, {@code s-maxage} or {@code no-cache} forbid a shared cache to serve
   * it stale (RFC 9111 sections 4.2.4, 5.2.2).
   */
  static long staleIfError(HttpHeaders resp) {
    CacheControl cc = CacheControl.parse(resp.getAll(HttpHeaderNames.CACHE_CONTROL));
    if (cc.has("must-revalidate")
        || cc.has("proxy-revalidate")
        || cc.has("s-maxage")
        || cc.has("no-cache")) {
      return -1;
    }
    return cc.seconds("stale-if-error");
  }

  /** The request carries its own validators: its answer may be a 304 for the client's copy. */
  public static boolean conditional(HttpHeaders h) {
    return h.contains(HttpHeaderNames.IF_NONE_MATCH)
        || h.contains(HttpHeaderNames.IF_MODIFIED_SINCE)
        || h.contains(HttpHeaderNames.IF_MATCH)
        || h.contains(HttpHeaderNames.IF_UNMODIFIED_SINCE)
        || h.contains(HttpHeaderNames.IF_RANGE);
  }

  /**
   * Why a response is not stored, as a {@code Cache-Status} detail; null when it may be (RFC 9111
   * section 3). {@code Set-Cookie} responses are not stored either: the cookie belongs to one
   * client, and a shared cache would hand it to the next.
   *
   * @param authorized the request carried {@code Authorization}: its response is stored only when
   *     it says it may be shared ({@code public}, {@code s-maxage}, {@code must-revalidate})
   */
  public static String notStorable(int status, HttpHeaders resp, boolean authorized, long nowMs) {
    if (!CACHEABLE_STATUSES.contains(status)) {
      return "status";
    }
    CacheControl cc = CacheControl.parse(resp.getAll(HttpHeaderNames.CACHE_CONTROL));
    if (cc.has("no-store")) {
      return "no-store";
    }
    if (cc.has("private")) {
      return "private";
    }
    if (resp.contains(HttpHeaderNames.SET_COOKIE)) {
      return "set-cookie";
    }
    for (String vary : resp.getAll(HttpHeaderNames.VARY)) {
      if (vary.contains("*")) {
        return "vary-star";
      }
    }
    if (authorized && !sharedWithAuthorization(cc)) {
      return "authorization";
    }
    if (freshnessLifetime(resp, nowMs) <= 0 && !hasValidator(resp)) {
      return "no-freshness"; // nothing says how long it is fresh, and it cannot be revalidated
    }
    return null;
  }

  /** RFC 9111 section 3.5: the response may answer requests that carry Authorization. */
  static boolean sharedWithAuthorization(CacheControl cc) {
    return cc.has("public") || cc.has("s-maxage") || cc.has("must-revalidate");
  }

  static boolean sharedWithAuthorization(HttpHeaders resp) {
    return sharedWithAuthorization(CacheControl.parse(resp.getAll(HttpHeaderNames.CACHE_CONTROL)));
  }

  static boolean hasValidator(HttpHeaders resp) {
    return resp.contains(HttpHeaderNames.ETAG) || resp.contains(HttpHeaderNames.LAST_MODIFIED);
  }

  /**
   * RFC 9111 section 4.2.1, for a shared cache: {@code s-maxage}, else {@code max-age}, else {@code
   * Expires} minus {@code Date} (or minus now without a Date); 0 for {@code no-cache} and for an
   * invalid Expires (already stale); -1 when the response says nothing (no heuristics here).
   */
  public static long freshnessLifetime(HttpHeaders resp, long nowMs) {
    CacheControl cc = CacheControl.parse(resp.getAll(HttpHeaderNames.CACHE_CONTROL));
    if (cc.has("no-cache")) {
      return 0;
    }
    long s = cc.seconds("s-maxage");
    if (s >= 0) {
      return s;
    }
    s = cc.seconds("max-age");
    if (s >= 0) {
      return s;
    }
    String expires = resp.get(HttpHeaderNames.EXPIRES);
    if (expires == null) {
      return -1;
    }
    long e = httpDateMs(expires);
    if (e < 0) {
      return 0;
    }
    long date = dateMs(resp, nowMs);
    return Math.max(0, (e - date) / 1000);
  }

  /**
   * RFC 9111 section 4.2.3: the age of a response when it arrived ("corrected initial age"), from
   * its {@code Age} and {@code Date}, and the time the request went out and the response came.
   */
  public static long initialAge(HttpHeaders resp, long requestMs, long responseMs) {
    long apparent = Math.max(0, (responseMs - dateMs(resp, responseMs)) / 1000);
    long ageValue = 0;
    String age = resp.get(HttpHeaderNames.AGE);
    if (age != null && !age.isEmpty() && age.chars().allMatch(Character::isDigit)) {
      ageValue = age.length() > 10 ? 1L << 31 : Long.parseLong(age);
    }
    long responseDelay = Math.max(0, (responseMs - requestMs) / 1000);
    return Math.max(apparent, ageValue + responseDelay);
  }

  private static long dateMs(HttpHeaders resp, long fallback) {
    String date = resp.get(HttpHeaderNames.DATE);
    long d = date == null ? -1 : httpDateMs(date);
    return d < 0 ? fallback : d;
  }

  /** An HTTP date (RFC 9110 section 5.6.7, IMF-fixdate) in epoch milliseconds; -1 if invalid. */
  static long httpDateMs(String value) {
    try {
      return ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME)
          .toInstant()
          .toEpochMilli();
    } catch (DateTimeParseException e) {
      return -1;
    }
  }
}
