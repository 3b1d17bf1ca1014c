package io.flycast.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flycast.catalog.CatalogStore;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link DnsServer} on a real socket, queried by the real {@code dig}, over UDP and TCP. */
class DnsServerDigTest {
  private final CatalogStore store = DnsTestCatalog.store();
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private DnsServer server;
  private Dig dig;

  @BeforeEach
  void start() throws Exception {
    server = new DnsServer(new InetSocketAddress("127.0.0.1", 0), store, "zone-b", registry);
    server.start();
    assertThat(server.tcpAddress().getPort()).isEqualTo(server.udpAddress().getPort());
    dig = new Dig(server.udpAddress().getPort());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void flycastAaaaOverUdpAndTcp() throws Exception {
    assertThat(dig.shortAnswer("AAAA", "web.default.flycast")).containsExactly("fdaa::1");
    assertThat(dig.shortAnswer("+tcp", "AAAA", "web.default.flycast")).containsExactly("fdaa::1");
    assertThat(dig.shortAnswer("AAAA", "WEB.Default.Flycast.")).containsExactly("fdaa::1");
  }

  @Test
  void flycastAForAnIpv4Route() throws Exception {
    assertThat(dig.shortAnswer("A", "api.prod.flycast")).containsExactly("10.96.0.10");
    assertThat(dig.shortAnswer("+tcp", "A", "api.prod.flycast")).containsExactly("10.96.0.10");
  }

  @Test
  void ttlsAndAuthority() throws Exception {
    String out = dig.run("+noall", "+answer", "+comments", "AAAA", "web.default.flycast");
    assertThat(out)
        .contains("flags: qr aa rd;")
        .containsPattern("web\\.default\\.flycast\\.\\s+30\\s+IN\\s+AAAA\\s+fdaa::1");
    out = dig.run("+noall", "+answer", "A", "web.default.internal");
    assertThat(out)
        .containsPattern("web\\.default\\.internal\\.\\s+5\\s+IN\\s+A\\s+10\\.0\\.0\\.1");
  }

  @Test
  void internalForms() throws Exception {
    assertThat(dig.shortAnswer("A", "web.default.internal"))
        .containsExactly("10.0.0.1", "10.0.1.1", "10.0.2.1");
    assertThat(dig.shortAnswer("AAAA", "web.default.internal")).containsExactly("fd00::a2");
    assertThat(dig.shortAnswer("A", "zone-a.web.default.internal")).containsExactly("10.0.0.1");
    assertThat(dig.shortAnswer("+tcp", "A", "top2.nearest.of.web.default.internal"))
        .containsExactly("10.0.1.1", "10.0.0.1");
    assertThat(dig.shortAnswer("TXT", "vms.web.default.internal"))
        .containsExactly("\"web-a1 zone-a,web-b1 zone-b,web-a2 zone-a,web-c1 zone-c\"");
    assertThat(dig.shortAnswer("TXT", "_apps.internal"))
        .containsExactly("\"api.prod,db.default,web.default\"");
  }

  @Test
  void responseCodes() throws Exception {
    assertThat(dig.status("AAAA", "nope.default.flycast")).isEqualTo("NXDOMAIN");
    assertThat(dig.status("+tcp", "A", "nope.default.internal")).isEqualTo("NXDOMAIN");
    assertThat(dig.status("A", "example.com")).isEqualTo("REFUSED");
    assertThat(dig.status("TXT", "web.default.flycast")).isEqualTo("NOERROR");
    assertThat(dig.shortAnswer("TXT", "web.default.flycast")).isEmpty();
    assertThat(dig.status("AAAA", "default.flycast")).isEqualTo("NOERROR");
    assertThat(dig.status("-c", "CH", "TXT", "version.bind")).isEqualTo("REFUSED");
    // RFC 6891 §6.1.3: EDNS version 1 gets BADVERS; dig then retries with version 0.
    assertThat(dig.run("+edns=1", "+noall", "+comments", "+answer", "AAAA", "web.default.flycast"))
        .contains("BADVERS")
        .contains("fdaa::1");
  }

  @Test
  void noEdnsStillAnswers() throws Exception {
    assertThat(dig.shortAnswer("+noedns", "AAAA", "web.default.flycast"))
        .containsExactly("fdaa::1");
  }

  @Test
  void largeAnswerIsTruncatedOverUdpAndCompleteOverTcp() throws Exception {
    DnsTestCatalog.addBig(store, 100);
    // 100 AAAA records are ~2.9 KB: over any UDP limit. dig retries over TCP on TC.
    String out = dig.run("AAAA", "big.default.internal");
    assertThat(out).contains("Truncated, retrying in TCP mode");
    assertThat(dig.shortAnswer("AAAA", "big.default.internal")).hasSize(100);
    assertThat(dig.run("+ignore", "+noall", "+comments", "AAAA", "big.default.internal"))
        .contains("flags: qr aa tc rd;");
    assertThat(dig.run("+ignore", "+noedns", "+noall", "+comments", "AAAA", "big.default.internal"))
        .contains(" tc ");
  }

  @Test
  void longAppsListIsSplitIntoCharacterStrings() throws Exception {
    List<String> names =
        new java.util.ArrayList<>(List.of("api.prod", "db.default", "web.default"));
    for (int i = 0; i < 30; i++) {
      String name = String.format("service-%02d", i);
      store.putSpec(
          DnsTestCatalog.spec(
              new io.flycast.catalog.RouteKey("team", name), "fdaa::1:" + i, false));
      names.add(name + ".team");
    }
    names.sort(null);
    List<String> out = dig.shortAnswer("TXT", "_apps.internal");
    assertThat(out).hasSize(1);
    // One TXT record of several quoted 255-byte character-strings; clients concatenate them.
    String[] parts = out.get(0).split("\" \"");
    assertThat(parts).hasSizeGreaterThan(1);
    assertThat(String.join("", parts).replace("\"", "")).isEqualTo(String.join(",", names));
  }

  @Test
  void catalogChangesAreSeenAtOnce() throws Exception {
    assertThat(dig.status("AAAA", "new.default.flycast")).isEqualTo("NXDOMAIN");
    store.putSpec(
        DnsTestCatalog.spec(new io.flycast.catalog.RouteKey("default", "new"), "fdaa::77", false));
    assertThat(dig.shortAnswer("AAAA", "new.default.flycast")).containsExactly("fdaa::77");
  }

  @Test
  void queriesAreCountedByRcode() throws Exception {
    dig.shortAnswer("AAAA", "web.default.flycast");
    dig.shortAnswer("+tcp", "AAAA", "web.default.flycast");
    dig.shortAnswer("AAAA", "nope.default.flycast");
    dig.shortAnswer("A", "example.com");
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              assertThat(count("NOERROR")).isEqualTo(2);
              assertThat(count("NXDOMAIN")).isEqualTo(1);
              assertThat(count("REFUSED")).isEqualTo(1);
            });
  }

  private double count(String rcode) {
    for (MetricSnapshot s : registry.scrape()) {
      if (s.getMetadata().getPrometheusName().equals("flycast_dns_queries")
          && s instanceof CounterSnapshot c) {
        List<CounterDataPointSnapshot> points = c.getDataPoints();
        return points.stream()
            .filter(p -> rcode.equals(p.getLabels().get("rcode")))
            .mapToDouble(CounterDataPointSnapshot::getValue)
            .sum();
      }
    }
    return 0;
  }
}
