package io.flycast.proxy;

import static io.flycast.proxy.TestRoutes.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flycast.catalog.Concurrency;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.RouteKey;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Dedicated listeners on the wildcard address route by the local address a client dialed. */
class DedicatedListenerTest {

  @Test
  void wildcardListenerRoutesIpv4AndIpv6AddressesOfOnePortToTheirOwnRoutes() throws Exception {
    try (ProxyFixture fx = ProxyFixture.withDedicatedBindAddressAsBuilt(ProxyConfig.builder());
        ScriptedBackend v4 =
            new ScriptedBackend("127.0.0.1", 0, (s, h) -> ScriptedBackend.write(s, "v4"));
        ScriptedBackend v6 =
            new ScriptedBackend("127.0.0.1", 0, (s, h) -> ScriptedBackend.write(s, "v6"))) {
      int port = TestRoutes.freePort();
      RouteKey a = new RouteKey("default", "four");
      RouteKey b = new RouteKey("default", "six");
      fx.store.putSpec(
          TestRoutes.spec(
              a, "127.0.0.1", List.of(PortSpec.tcp(port, v4.port())), Concurrency.DEFAULT));
      fx.store.putSpec(
          TestRoutes.spec(b, "::1", List.of(PortSpec.tcp(port, v6.port())), Concurrency.DEFAULT));
      fx.store.putBackends(a, List.of(backend("a1", "test")));
      fx.store.putBackends(b, List.of(backend("b1", "test")));
      await().atMost(Duration.ofSeconds(5)).until(() -> fx.proxy.dedicatedPorts().contains(port));

      assertThat(exchange("127.0.0.1", port)).isEqualTo("v4");
      assertThat(exchange("::1", port)).isEqualTo("v6");
    }
  }

  @Test
  void connectionToAnAddressWithoutRouteIsClosed() throws Exception {
    try (ProxyFixture fx = ProxyFixture.withDedicatedBindAddressAsBuilt(ProxyConfig.builder())) {
      int port = TestRoutes.freePort();
      RouteKey a = new RouteKey("default", "four");
      fx.store.putSpec(
          TestRoutes.spec(a, "127.0.0.1", List.of(PortSpec.tcp(port, 9)), Concurrency.DEFAULT));
      await().atMost(Duration.ofSeconds(5)).until(() -> fx.proxy.dedicatedPorts().contains(port));
      try (Socket s = new Socket("::1", port)) {
        s.setSoTimeout(5000);
        assertThat(s.getInputStream().read()).isEqualTo(-1);
      }
    }
  }

  @Test
  void ensureListenersOpensPortsWithoutRoutes() throws Exception {
    try (ProxyFixture fx = new ProxyFixture()) {
      int port = TestRoutes.freePort();
      fx.proxy.ensureListeners(Set.of(port));
      await().atMost(Duration.ofSeconds(5)).until(() -> fx.proxy.dedicatedPorts().contains(port));
    }
  }

  @Test
  void awaitListenersWaitsForTheBindAndTellsAFailure() throws Exception {
    try (ProxyFixture fx = new ProxyFixture();
        java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, TestRoutes.ip("127.0.0.1"))) {
      int free = TestRoutes.freePort();
      fx.proxy.ensureListeners(Set.of(free));
      assertThat(fx.proxy.awaitListeners(Set.of(free), Duration.ofSeconds(5))).isTrue();
      assertThat(fx.proxy.dedicatedPorts()).contains(free);
      fx.proxy.ensureListeners(Set.of(taken.getLocalPort()));
      assertThat(fx.proxy.awaitListeners(Set.of(taken.getLocalPort()), Duration.ofSeconds(5)))
          .isFalse();
    }
  }

  private static String exchange(String host, int port) throws Exception {
    try (Socket s = new Socket(host, port)) {
      s.setSoTimeout(5000);
      s.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.UTF_8));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
