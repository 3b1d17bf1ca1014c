package io.flycast.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.RouteKey;
import io.flycast.dns.RawDns.Header;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * DNS over UDP as an amplifier: a query with a forged source address makes the server send its
 * answer to the victim. A UDP answer is at most a few times its query; the rest is one TCP query
 * away (the TC bit), and a TCP peer cannot forge its address.
 */
class DnsAmplificationTest {
  /** The promise: a UDP response is at most this many times the size of its query. */
  private static final int MAX_AMPLIFICATION = 3;

  /** RFC 1035 §3.2.2: TXT is type 16; RFC 3596 §2.1: AAAA is 28. */
  private static final int TXT = 16;

  private static final int AAAA = 28;

  /** A client buffer far above any cap, so the server's own bound is what is tested. */
  private static final int EDNS_BUFFER = 4096;

  private final CatalogStore store = DnsTestCatalog.store();
  private final List<String> apps =
      new ArrayList<>(List.of("api.prod", "db.default", "web.default"));
  private DnsServer server;
  private DatagramSocket udp;
  private Dig dig;

  @BeforeEach
  void start() throws Exception {
    // 25 more routes make _apps.internal one TXT of ~430 bytes: it fits a classic 512-byte UDP
    // response, so only an amplification bound truncates it.
    for (int i = 0; i < 25; i++) {
      String name = String.format("service-%02d", i);
      store.putSpec(DnsTestCatalog.spec(new RouteKey("team", name), "fdaa::2:" + i, false));
      apps.add(name + ".team");
    }
    apps.sort(null);
    server =
        new DnsServer(new InetSocketAddress("127.0.0.1", 0), store, null, new PrometheusRegistry());
    server.start();
    udp = new DatagramSocket();
    udp.setSoTimeout(5_000);
    dig = new Dig(server.udpAddress().getPort());
  }

  @AfterEach
  void stop() {
    udp.close();
    server.close();
  }

  @Test
  void largeTxtOverUdpIsTruncatedWithinTheBound() throws Exception {
    byte[] classic = RawDns.query(1, "_apps.internal", TXT);
    byte[] edns = RawDns.withEdns(RawDns.query(2, "_apps.internal", TXT), EDNS_BUFFER);
    for (byte[] query : List.of(classic, edns)) {
      byte[] response = exchange(query);
      Header h = Header.parse(response, response.length);
      assertThat(h.tc()).isTrue();
      assertThat(h.ancount()).as("the one TXT record does not fit whole").isZero();
      assertThat(response.length)
          .as("response bytes for a %d-byte query", query.length)
          .isLessThanOrEqualTo(MAX_AMPLIFICATION * query.length);
    }
  }

  @Test
  void manyAddressesOverUdpAreTheFirstFewWithTc() throws Exception {
    DnsTestCatalog.addBig(store, 20);
    byte[] query = RawDns.withEdns(RawDns.query(3, "big.default.internal", AAAA), EDNS_BUFFER);
    byte[] response = exchange(query);
    Header h = Header.parse(response, response.length);
    assertThat(h.tc()).isTrue();
    // RFC 2181 §9 lets the records that fit stay: a client that does not retry over TCP (musl
    // before 1.2.4) still gets addresses to dial.
    assertThat(h.ancount()).isBetween(1, 19);
    assertThat(response.length).isLessThanOrEqualTo(MAX_AMPLIFICATION * query.length);
  }

  @Test
  void digRetriesOverTcpAndGetsTheWholeAnswer() throws Exception {
    assertThat(dig.run("TXT", "_apps.internal")).contains("Truncated, retrying in TCP mode");
    List<String> txt = dig.shortAnswer("TXT", "_apps.internal");
    assertThat(txt).hasSize(1);
    // One TXT of several quoted character-strings, which clients concatenate.
    assertThat(txt.get(0).replace("\" \"", "").replace("\"", "")).isEqualTo(String.join(",", apps));
    // Without the TCP retry, dig shows what a UDP client got.
    assertThat(dig.run("+ignore", "+noall", "+comments", "TXT", "_apps.internal"))
        .contains("flags: qr aa tc rd;")
        .contains("ANSWER: 0");
    assertThat(dig.run("+tcp", "+noall", "+comments", "TXT", "_apps.internal"))
        .contains("flags: qr aa rd;")
        .contains("ANSWER: 1");
  }

  @Test
  void aFewAddressesStillFitInOneDatagram() throws Exception {
    // web.default has 3 ready IPv4 backends: one datagram answers them, for a query without EDNS
    // (glibc's) as for dig's (EDNS and a cookie).
    for (String edns : List.of("+noedns", "+edns")) {
      String out = dig.run("+ignore", edns, "+noall", "+comments", "A", "web.default.internal");
      assertThat(out).as(edns).contains("flags: qr aa rd;").contains("ANSWER: 3");
    }
  }

  /** Sends {@code query} over UDP and returns the response datagram. */
  private byte[] exchange(byte[] query) throws Exception {
    udp.send(new DatagramPacket(query, query.length, server.udpAddress()));
    byte[] buf = new byte[65535];
    DatagramPacket p = new DatagramPacket(buf, buf.length);
    udp.receive(p);
    return Arrays.copyOf(buf, p.getLength());
  }
}
