package io.flycast.proxy.http;

import io.flycast.catalog.Backend;
import io.flycast.proxy.ProxyMetrics;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.function.Predicate;

/**
 * Fly's dynamic request routing by request header: a client (or a service in front) picks the
 * backend itself. {@code fly-force-instance-id} and {@code fly-force-region} restrict the backends
 * that may take the request (none left: 503, the request is not sent elsewhere); {@code
 * fly-prefer-instance-id} and {@code fly-prefer-region} are tried first and fall back to normal
 * balancing. The headers are forwarded to the backend, as Fly does.
 *
 * <p>See https://fly.io/docs/networking/dynamic-request-routing/.
 *
 * @param forceInstance backend name the request must go to, or null
 * @param forceRegion zone the request must go to, or null
 * @param preferInstance backend name to try first, or null
 * @param preferRegion zone to try first, or null
 */
record RequestRouting(
    String forceInstance, String forceRegion, String preferInstance, String preferRegion) {
  static final AsciiString FORCE_INSTANCE = AsciiString.cached("fly-force-instance-id");
  static final AsciiString FORCE_REGION = AsciiString.cached("fly-force-region");
  static final AsciiString PREFER_INSTANCE = AsciiString.cached("fly-prefer-instance-id");
  static final AsciiString PREFER_REGION = AsciiString.cached("fly-prefer-region");

  static final RequestRouting NONE = new RequestRouting(null, null, null, null);

  /** The routing a request's headers ask for; {@link #NONE} when they ask for nothing. */
  static RequestRouting of(HttpHeaders h) {
    String fi = value(h, FORCE_INSTANCE);
    String fr = value(h, FORCE_REGION);
    String pi = value(h, PREFER_INSTANCE);
    String pr = value(h, PREFER_REGION);
    return fi == null && fr == null && pi == null && pr == null
        ? NONE
        : new RequestRouting(fi, fr, pi, pr);
  }

  private static String value(HttpHeaders h, CharSequence name) {
    String v = h.get(name);
    if (v == null || v.isBlank()) {
      return null;
    }
    // Like fly-replay's region list: the first entry counts.
    return v.split(",")[0].trim();
  }

  boolean forced() {
    return forceInstance != null || forceRegion != null;
  }

  boolean prefers() {
    return preferInstance != null || preferRegion != null;
  }

  /** Backends allowed at all. */
  Predicate<Backend> required() {
    Predicate<Backend> f = b -> true;
    if (forceInstance != null) {
      f = f.and(b -> b.name().equals(forceInstance));
    }
    if (forceRegion != null) {
      f = f.and(b -> forceRegion.equals(b.zone()));
    }
    return f;
  }

  /** Backends to try first: the preferred ones among the allowed. */
  Predicate<Backend> preferred() {
    Predicate<Backend> f = required();
    if (preferInstance != null) {
      f = f.and(b -> b.name().equals(preferInstance));
    }
    if (preferRegion != null) {
      f = f.and(b -> preferRegion.equals(b.zone()));
    }
    return f;
  }

  /**
   * What a 503 says when the client's {@code fly-force-*} headers left no backend able to take the
   * request ({@code reason} says why); {@code detail} when they did not force anything, or the
   * reason is not one they explain.
   */
  String explain(String routeName, ProxyMetrics.Unavailable reason, String detail) {
    boolean explained =
        reason == ProxyMetrics.Unavailable.NO_BACKENDS
            || reason == ProxyMetrics.Unavailable.AT_CAPACITY;
    return forced() && explained ? unavailable(routeName, reason) : detail;
  }

  /** What a 503 says when no allowed backend could take the request. */
  String unavailable(String routeName, ProxyMetrics.Unavailable reason) {
    boolean full = reason == ProxyMetrics.Unavailable.AT_CAPACITY;
    if (forceInstance != null) {
      String where = forceRegion != null ? " in region '" + forceRegion + "'" : "";
      return FORCE_INSTANCE
          + ": instance '"
          + forceInstance
          + "'"
          + (full
              ? " of " + routeName + " is at its concurrency limit"
              : " is not a ready backend of " + routeName + where);
    }
    return FORCE_REGION
        + ": "
        + (full
            ? "every backend of "
                + routeName
                + " in region '"
                + forceRegion
                + "' is at its concurrency limit"
            : "no backend of "
                + routeName
                + " in region '"
                + forceRegion
                + "' is ready to take requests");
  }
}
