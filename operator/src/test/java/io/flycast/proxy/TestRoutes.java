package io.flycast.proxy;

import io.flycast.catalog.Backend;
import io.flycast.catalog.Concurrency;
import io.flycast.catalog.ConcurrencyType;
import io.flycast.catalog.Handler;
import io.flycast.catalog.HttpOptions;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.ProxyProtoVersion;
import io.flycast.catalog.Route;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.RouteSpec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Set;

/** Builders for routes, specs and backends used across proxy tests. */
public final class TestRoutes {
  private TestRoutes() {}

  public static InetAddress ip(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }

  public static Backend backend(String name, String zone) {
    return new Backend(name, ip("127.0.0.1"), zone, true, true, false);
  }

  public static Backend backend(String name, String address, String zone) {
    return new Backend(name, ip(address), zone, true, true, false);
  }

  public static PortSpec httpPort(int port, int targetPort) {
    return new PortSpec(
        port,
        targetPort,
        Set.of(Handler.HTTP),
        false,
        null,
        ProxyProtoVersion.V1,
        HttpOptions.DEFAULT);
  }

  public static RouteSpec spec(RouteKey key, String address, List<PortSpec> ports, Concurrency c) {
    return RouteSpec.builder(key, ip(address))
        .ports(ports)
        .concurrency(c)
        .network("default")
        .build();
  }

  public static RouteSpec spec(
      RouteKey key, String address, List<String> hostnames, List<PortSpec> ports) {
    return RouteSpec.builder(key, ip(address))
        .hostnames(hostnames)
        .ports(ports)
        .network("default")
        .build();
  }

  public static Route route(Concurrency c, Backend... backends) {
    RouteKey key = new RouteKey("default", "app");
    return new Route(
        spec(key, "fdaa::1", List.of(PortSpec.tcp(80, 8080)), c), List.of(backends), 1);
  }

  public static Concurrency limits(int soft, int hard) {
    return new Concurrency(ConcurrencyType.CONNECTIONS, soft, hard);
  }

  /** The ports {@link #freePort} handed out in this JVM. */
  private static final java.util.Set<Integer> HANDED_OUT =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * A port free right now on 127.0.0.1 (dedicated listeners route by port, so tests need one), and
   * never one this JVM handed out before: the kernel can give a port just closed again, and a test
   * that asks for two before binding either got the same one twice (CI run 31).
   */
  public static int freePort() {
    while (true) {
      try (ServerSocket s = new ServerSocket(0, 1, ip("127.0.0.1"))) {
        if (HANDED_OUT.add(s.getLocalPort())) {
          return s.getLocalPort();
        }
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
