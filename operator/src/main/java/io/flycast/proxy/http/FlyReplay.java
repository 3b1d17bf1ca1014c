package io.flycast.proxy.http;

import io.flycast.catalog.Backend;
import io.flycast.catalog.Catalog;
import io.flycast.catalog.Durations;
import io.flycast.catalog.Handler;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.Route;
import io.flycast.catalog.RouteKey;
import io.netty.util.AsciiString;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * A {@code fly-replay} response header: the backend asks the proxy to send the request again,
 * elsewhere, instead of returning this response. Fields, {@code ;}-separated, values optionally
 * quoted: {@code instance=<backend name>}, {@code prefer_instance=<backend name>} (that one if it
 * can take the request, else any), {@code region=<zone>[,<zone>...][,any]} (in order of preference;
 * {@code any}: any zone as a last resort), {@code app=<route name in the same namespace>}, {@code
 * elsewhere=true} (any backend but this one), {@code state=<opaque>} (echoed to the next backend in
 * {@code fly-replay-src}), {@code timeout=<800ms|2s>} (how long to try to reach the target), {@code
 * fallback=force_self|prefer_self} (when the target cannot be reached: back to the backend that
 * asked, or to it first and then any backend of its route, with a {@code fly-replay-failed} header
 * saying why). With network isolation, {@code app=} only reaches routes of the replaying route's
 * network (see {@code AccessGate#mayReplay}). See
 * https://fly.io/docs/networking/dynamic-request-routing/.
 */
public record FlyReplay(
    String instance,
    String preferInstance,
    List<String> regions,
    String app,
    boolean elsewhere,
    String state,
    Duration timeout,
    Fallback fallback) {
  static final AsciiString HEADER = AsciiString.cached("fly-replay");
  public static final AsciiString SOURCE_HEADER = AsciiString.cached("fly-replay-src");
  public static final AsciiString FAILED_HEADER = AsciiString.cached("fly-replay-failed");

  /** How many times one request may be replayed (a replayed request may ask again). */
  static final int MAX_REPLAYS = 10;

  /** Where a replay that cannot reach its target goes instead of failing. */
  enum Fallback {
    /** Nowhere: the client gets the error. */
    NONE,
    /** Back to the very backend that asked for the replay, or the error. */
    FORCE_SELF,
    /** Back to the backend that asked, else any backend of its route. */
    PREFER_SELF
  }

  public FlyReplay {
    regions = List.copyOf(regions);
  }

  /**
   * Parses a header value; {@code null} when it names no target, or holds a NUL or bare CR: its
   * parts go into the {@code fly-replay-src} and {@code fly-replay-failed} headers of the next
   * backend's request, where those would end a header line early.
   */
  static FlyReplay parse(String value) {
    if (!RequestChecks.isFieldValue(value)) {
      return null;
    }
    String instance = null;
    String preferInstance = null;
    List<String> regions = List.of();
    String app = null;
    String state = null;
    Duration timeout = null;
    Fallback fallback = Fallback.NONE;
    boolean elsewhere = false;
    for (String part : value.split(";")) {
      int eq = part.indexOf('=');
      if (eq < 0) {
        continue;
      }
      String k = part.substring(0, eq).trim().toLowerCase(Locale.ROOT);
      String v = unquote(part.substring(eq + 1).trim());
      switch (k) {
        case "instance" -> instance = v;
        case "prefer_instance" -> preferInstance = v;
        case "region" ->
            regions =
                Arrays.stream(v.split(",")).map(String::trim).filter(r -> !r.isEmpty()).toList();
        case "app" -> app = v;
        case "elsewhere" -> elsewhere = Boolean.parseBoolean(v);
        case "state" -> state = v;
        case "timeout" -> timeout = duration(v);
        case "fallback" ->
            fallback =
                switch (v.toLowerCase(Locale.ROOT)) {
                  case "force_self" -> Fallback.FORCE_SELF;
                  case "prefer_self" -> Fallback.PREFER_SELF;
                  default -> Fallback.NONE;
                };
        default -> {}
      }
    }
    if (instance == null
        && preferInstance == null
        && regions.isEmpty()
        && app == null
        && !elsewhere) {
      return null;
    }
    return new FlyReplay(
        instance, preferInstance, regions, app, elsewhere, state, timeout, fallback);
  }

  private static String unquote(String v) {
    return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")
        ? v.substring(1, v.length() - 1)
        : v;
  }

  /** {@code 800ms}, {@code 2s}, {@code 1m}; null (no timeout of its own) when unreadable. */
  private static Duration duration(String v) {
    try {
      return Durations.parse(v); // the one duration grammar, as in the CRD
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The route to replay to: {@code app} in the same namespace, or the current route. */
  Route target(Catalog catalog, Route current) {
    return app == null ? current : catalog.route(new RouteKey(current.key().namespace(), app));
  }

  /**
   * The port of {@code target} to use: the same client port if it has one, else its first http
   * port.
   */
  static PortSpec port(Route target, PortSpec current) {
    PortSpec same = target.spec().port(current.port());
    if (same != null) {
      return same;
    }
    for (PortSpec p : target.spec().ports()) {
      if (p.has(Handler.HTTP)) {
        return p;
      }
    }
    return target.spec().ports().isEmpty() ? null : target.spec().ports().get(0);
  }

  /** Which backends may take the replay; {@code from} is the backend that asked for it. */
  Predicate<Backend> filter(Backend from) {
    Predicate<Backend> f = b -> true;
    if (instance != null) {
      f = f.and(b -> b.name().equals(instance));
    }
    if (!regions.isEmpty() && !regions.contains("any")) {
      f = f.and(b -> regions.contains(b.zone()));
    }
    if (elsewhere && from != null) {
      f = f.and(b -> !b.name().equals(from.name()));
    }
    return f;
  }

  /**
   * Which of those to try first, or null for no preference: {@code prefer_instance}, else the first
   * region when several (or {@code any}) are allowed.
   */
  Predicate<Backend> preferred() {
    if (preferInstance != null) {
      return b -> b.name().equals(preferInstance);
    }
    if (regions.size() > 1) {
      String first = regions.get(0);
      return b -> first.equals(b.zone());
    }
    return null;
  }

  /**
   * The {@code fly-replay-src} value telling the next backend where the request was replayed from.
   */
  static String source(Backend from, String state) {
    StringBuilder sb =
        new StringBuilder("instance=")
            .append(from.name())
            .append(";region=")
            .append(from.zone())
            .append(";t=")
            .append(System.currentTimeMillis() * 1000);
    if (state != null) {
      sb.append(";state=").append(state);
    }
    return sb.toString();
  }

  /** The {@code fly-replay-failed} value: why the replay fell back, and where it was going. */
  String failure(String reason, String targetName) {
    return "reason="
        + reason
        + ";target="
        + targetName
        + (app != null ? ";app=" + app : "")
        + (instance != null ? ";instance=" + instance : "")
        + (!regions.isEmpty() ? ";region=" + String.join(",", regions) : "");
  }
}
