package io.flycast.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flycast.catalog.CatalogStore;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** {@link DnsServer} lifecycle and the {@code --dns-listen} syntax. */
class DnsServerTest {
  @Test
  void parsesListenAddresses() throws Exception {
    assertThat(DnsServer.parseListen("127.0.0.1:5353"))
        .isEqualTo(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 5353));
    assertThat(DnsServer.parseListen("[::1]:53")).isEqualTo(new InetSocketAddress(InetAddress.getByName("::1"), 53));
    assertThat(DnsServer.parseListen(":5353")).isEqualTo(new InetSocketAddress(5353));
    assertThatThrownBy(() -> DnsServer.parseListen("5353")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DnsServer.parseListen("127.0.0.1:x")).isInstanceOf(IllegalArgumentException.class);
    // Never a DNS lookup while parsing a flag.
    assertThatThrownBy(() -> DnsServer.parseListen("localhost:53"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("literal");
  }

  @Test
  void startTwiceFailsAndCloseIsIdempotent() throws Exception {
    DnsServer server = newServer(new InetSocketAddress("127.0.0.1", 0), new PrometheusRegistry());
    assertThat(server.udpAddress()).isNull();
    server.start();
    assertThat(server.udpAddress().getPort()).isPositive();
    assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class);
    server.close();
    server.close();
    assertThat(server.udpAddress()).isNull();
  }

  @Test
  void portInUseFailsStartAndReleasesEverything() throws Exception {
    try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      DnsServer server = newServer((InetSocketAddress) taken.getLocalSocketAddress(), new PrometheusRegistry());
      assertThatThrownBy(server::start).isInstanceOf(Exception.class);
      assertThat(server.udpAddress()).isNull();
      assertThat(server.tcpAddress()).isNull();
      server.close();
    }
  }

  @Test
  void restartsOnAFixedPort() throws Exception {
    DnsServer first = newServer(new InetSocketAddress("127.0.0.1", 0), new PrometheusRegistry());
    first.start();
    InetSocketAddress fixed = first.udpAddress();
    first.close();
    DnsServer second = newServer(fixed, new PrometheusRegistry());
    second.start();
    assertThat(second.udpAddress()).isEqualTo(fixed);
    assertThat(second.tcpAddress()).isEqualTo(fixed);
    assertThat(new Dig(fixed.getPort()).shortAnswer("AAAA", "web.default.flycast")).containsExactly("fdaa::1");
    second.close();
  }

  private static DnsServer newServer(InetSocketAddress listen, PrometheusRegistry registry) {
    CatalogStore store = DnsTestCatalog.store();
    return new DnsServer(listen, store, null, registry);
  }
}
