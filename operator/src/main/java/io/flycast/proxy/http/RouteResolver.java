package io.flycast.proxy.http;

import io.flycast.catalog.Catalog;
import io.flycast.catalog.Handler;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.Route;
import io.flycast.catalog.RouteKey;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

/** Finds the route and port an HTTP request goes to, from the current catalog snapshot. */
@FunctionalInterface
public interface RouteResolver {
  /** A route and the port spec whose target port the request is sent to. */
  record Target(Route route, PortSpec port) {}

  /** The target of {@code req}, or {@code null} when no route matches. */
  Target resolve(Catalog catalog, HttpRequest req);

  /**
   * The shared listener: by Host header ({@code name.namespace.flycast} or a route hostname), sent
   * to the route's first http port, else its first port.
   */
  static RouteResolver byHost() {
    return (catalog, req) -> {
      Route route = catalog.routeByHostname(req.headers().get(HttpHeaderNames.HOST));
      if (route == null || route.spec().ports().isEmpty()) {
        return null;
      }
      PortSpec chosen = route.spec().ports().get(0);
      for (PortSpec p : route.spec().ports()) {
        if (p.has(Handler.HTTP) && !p.has(Handler.TLS)) {
          chosen = p;
          break;
        }
      }
      return new Target(route, chosen);
    };
  }

  /**
   * A dedicated listener: the route and port fixed when the connection was accepted, re-read per
   * request so backend changes apply to keep-alive connections.
   */
  static RouteResolver fixed(RouteKey key, PortSpec port) {
    return (catalog, req) -> {
      Route route = catalog.route(key);
      if (route == null) {
        return null;
      }
      PortSpec now = route.spec().port(port.port());
      return now == null ? null : new Target(route, now);
    };
  }
}
