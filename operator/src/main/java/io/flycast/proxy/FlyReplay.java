package io.flycast.proxy;

import io.flycast.catalog.Backend;
import io.flycast.catalog.Catalog;
import io.flycast.catalog.Handler;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.Route;
import io.flycast.catalog.RouteKey;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * A {@code fly-replay} response header: the backend asks the proxy to send the request again,
 * elsewhere, instead of returning this response. Fields, {@code ;}-separated:
 * {@code instance=<backend name>}, {@code region=<zone>}, {@code app=<route name in the same
 * namespace>}, {@code elsewhere=true} (any backend but this one), {@code state=<opaque>} (echoed
 * to the next backend in {@code fly-replay-src}). With network isolation, {@code app=} only
 * reaches routes of the replaying route's network (see {@code AccessGate#mayReplay}). See https://fly.io/docs/networking/dynamic-request-routing/.
 */
record FlyReplay(String instance, String region, String app, boolean elsewhere, String state) {
  static final String HEADER = "fly-replay";
  static final String SOURCE_HEADER = "fly-replay-src";

  /** Parses a header value; {@code null} when it names no target. */
  static FlyReplay parse(String value) {
    String instance = null;
    String region = null;
    String app = null;
    String state = null;
    boolean elsewhere = false;
    for (String part : value.split(";")) {
      int eq = part.indexOf('=');
      if (eq < 0) {
        continue;
      }
      String k = part.substring(0, eq).trim().toLowerCase(Locale.ROOT);
      String v = part.substring(eq + 1).trim();
      switch (k) {
        case "instance" -> instance = v;
        case "region" -> region = v.split(",")[0].trim(); // first preference only
        case "app" -> app = v;
        case "elsewhere" -> elsewhere = Boolean.parseBoolean(v);
        case "state" -> state = v;
        default -> { }
      }
    }
    if (instance == null && region == null && app == null && !elsewhere) {
      return null;
    }
    return new FlyReplay(instance, region, app, elsewhere, state);
  }

  /** The route to replay to: {@code app} in the same namespace, or the current route. */
  Route target(Catalog catalog, Route current) {
    return app == null ? current : catalog.route(new RouteKey(current.key().namespace(), app));
  }

  /** The port of {@code target} to use: the same client port if it has one, else its first http port. */
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
    if (region != null) {
      f = f.and(b -> region.equals(b.zone()));
    }
    if (elsewhere && from != null) {
      f = f.and(b -> !b.name().equals(from.name()));
    }
    return f;
  }

  /** The {@code fly-replay-src} value telling the next backend where the request was replayed from. */
  static String source(Backend from, String state) {
    StringBuilder sb = new StringBuilder("instance=").append(from.name()).append(";region=").append(from.zone())
        .append(";t=").append(System.currentTimeMillis() * 1000);
    if (state != null) {
      sb.append(";state=").append(state);
    }
    return sb.toString();
  }
}
