package io.flycast.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.flycast.catalog.CatalogStore;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link DnsServer} lifecycle and the {@code --dns-listen} syntax. */
class DnsServerTest {
  @Test
  void parsesListenAddresses() throws Exception {
    assertThat(DnsServer.parseListen("127.0.0.1:5353"))
        .isEqualTo(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 5353));
    assertThat(DnsServer.parseListen("[::1]:53"))
        .isEqualTo(new InetSocketAddress(InetAddress.getByName("::1"), 53));
    assertThat(DnsServer.parseListen(":5353")).isEqualTo(new InetSocketAddress(5353));
    assertThatThrownBy(() -> DnsServer.parseListen("5353"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DnsServer.parseListen("127.0.0.1:x"))
        .isInstanceOf(IllegalArgumentException.class);
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
      DnsServer server =
          newServer((InetSocketAddress) taken.getLocalSocketAddress(), new PrometheusRegistry());
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
    assertThat(new Dig(fixed.getPort()).shortAnswer("AAAA", "web.default.flycast"))
        .containsExactly("fdaa::1");
    second.close();
  }

  @Test
  void tcpConnectionsBeyondTheLimitAreClosed() throws Exception {
    DnsServer server =
        new DnsServer(
            new InetSocketAddress("127.0.0.1", 0),
            DnsTestCatalog.store(),
            null,
            DnsVisibility.ALLOW_ALL,
            new PrometheusRegistry(),
            1);
    server.start();
    try {
      InetSocketAddress tcp = server.tcpAddress();
      Socket first = new Socket(tcp.getAddress(), tcp.getPort());
      assertThat(tcpQuery(first, 1)).isEqualTo(1);
      try (Socket second = new Socket(tcp.getAddress(), tcp.getPort())) {
        second.setSoTimeout(5_000);
        // Closed by the server without an answer.
        assertThat(second.getInputStream().read()).isEqualTo(-1);
      }
      first.close();
      // The server sees the close asynchronously; then a new connection is served again.
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () -> {
                try (Socket again = new Socket(tcp.getAddress(), tcp.getPort())) {
                  assertThat(tcpQuery(again, 2)).isEqualTo(2);
                }
              });
    } finally {
      server.close();
    }
  }

  /** Sends one AAAA query over TCP and returns the answer's id, or -1 when the server closed. */
  private static int tcpQuery(Socket s, int id) throws IOException {
    s.setSoTimeout(5_000);
    s.getOutputStream().write(RawDns.tcpFrame(RawDns.query(id, "web.default.flycast", 28)));
    DataInputStream in = new DataInputStream(s.getInputStream());
    try {
      byte[] msg = in.readNBytes(in.readUnsignedShort());
      return RawDns.Header.parse(msg, msg.length).id();
    } catch (EOFException e) {
      return -1;
    }
  }

  private static DnsServer newServer(InetSocketAddress listen, PrometheusRegistry registry) {
    CatalogStore store = DnsTestCatalog.store();
    return new DnsServer(listen, store, null, registry);
  }
}
