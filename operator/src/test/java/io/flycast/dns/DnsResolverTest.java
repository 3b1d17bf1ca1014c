package io.flycast.dns;

import static io.flycast.dns.DnsTestCatalog.ip;
import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.catalog.CatalogStore;
import io.flycast.dns.DnsAnswer.Address;
import io.flycast.dns.DnsAnswer.AnswerRecord;
import io.flycast.dns.DnsAnswer.Text;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link FlycastDnsResolver} without sockets: every name form and response code. */
class DnsResolverTest {
  private static final InetAddress CLIENT = ip("127.0.0.1");

  private final CatalogStore store = DnsTestCatalog.store();
  private final FlycastDnsResolver resolver =
      new FlycastDnsResolver(store::current, "zone-b", DnsVisibility.ALLOW_ALL);

  @Test
  void flycastNameAnswersTheRouteAddressByFamily() {
    DnsAnswer a = resolver.resolve("web.default.flycast.", DnsRecordType.AAAA, CLIENT);
    assertThat(a.rcode()).isEqualTo(DnsResponseCode.NOERROR);
    assertThat(a.records())
        .containsExactly(new Address(ip("fdaa::1"), FlycastDnsResolver.FLYCAST_TTL_SECONDS));
    // An IPv6 route has no A record: NODATA, not NXDOMAIN.
    assertNoData(resolver.resolve("web.default.flycast.", DnsRecordType.A, CLIENT));

    assertThat(addresses(resolver.resolve("api.prod.flycast", DnsRecordType.A, CLIENT)))
        .containsExactly("10.96.0.10");
    assertNoData(resolver.resolve("api.prod.flycast", DnsRecordType.AAAA, CLIENT));
  }

  @Test
  void namesAreCaseInsensitiveWithOrWithoutTrailingDot() {
    for (String n : List.of("WEB.DEFAULT.FLYCAST", "Web.Default.Flycast.", "web.default.flycast")) {
      assertThat(addresses(resolver.resolve(n, DnsRecordType.AAAA, CLIENT)))
          .as(n)
          .containsExactly("fdaa:0:0:0:0:0:0:1");
    }
  }

  @Test
  void internalNameAnswersReadyBackendsOnly() {
    DnsAnswer a = resolver.resolve("web.default.internal.", DnsRecordType.A, CLIENT);
    // web-b2 is not ready and web-a3 is terminating: neither takes new work.
    assertThat(addresses(a)).containsExactly("10.0.0.1", "10.0.1.1", "10.0.2.1");
    assertThat(a.records())
        .allSatisfy(r -> assertThat(r.ttl()).isEqualTo(FlycastDnsResolver.INTERNAL_TTL_SECONDS));
    assertThat(addresses(resolver.resolve("web.default.internal.", DnsRecordType.AAAA, CLIENT)))
        .containsExactly("fd00:0:0:0:0:0:0:a2");
    assertThat(addresses(resolver.resolve("web.default.internal.", DnsRecordType.ANY, CLIENT)))
        .containsExactly("10.0.0.1", "10.0.1.1", "fd00:0:0:0:0:0:0:a2", "10.0.2.1");
  }

  @Test
  void routeWithoutBackendsIsNoData() {
    assertNoData(resolver.resolve("api.prod.internal", DnsRecordType.A, CLIENT));
  }

  @Test
  void zoneNameFiltersByZone() {
    assertThat(addresses(resolver.resolve("zone-a.web.default.internal", DnsRecordType.A, CLIENT)))
        .containsExactly("10.0.0.1");
    assertThat(
            addresses(resolver.resolve("ZONE-A.web.default.internal", DnsRecordType.AAAA, CLIENT)))
        .containsExactly("fd00:0:0:0:0:0:0:a2");
    assertThat(addresses(resolver.resolve("zone-b.web.default.internal", DnsRecordType.A, CLIENT)))
        .containsExactly("10.0.1.1");
    // A zone with no ready backend (or no such zone) is NODATA: the route exists.
    assertNoData(resolver.resolve("zone-z.web.default.internal", DnsRecordType.A, CLIENT));
  }

  @Test
  void topNPrefersTheLocalZoneThenOtherZonesByName() {
    assertThat(
            addresses(
                resolver.resolve("top1.nearest.of.web.default.internal", DnsRecordType.A, CLIENT)))
        .containsExactly("10.0.1.1");
    assertThat(
            addresses(
                resolver.resolve("top2.nearest.of.web.default.internal", DnsRecordType.A, CLIENT)))
        .containsExactly("10.0.1.1", "10.0.0.1");
    assertThat(
            addresses(
                resolver.resolve("top10.nearest.of.web.default.internal", DnsRecordType.A, CLIENT)))
        .containsExactly("10.0.1.1", "10.0.0.1", "10.0.2.1");
    // The family is filtered before counting: one IPv6 backend, in zone-a.
    assertThat(
            addresses(
                resolver.resolve(
                    "top2.nearest.of.web.default.internal", DnsRecordType.AAAA, CLIENT)))
        .containsExactly("fd00:0:0:0:0:0:0:a2");
  }

  @Test
  void topNWithoutLocalZoneIsByZoneName() {
    FlycastDnsResolver noZone =
        new FlycastDnsResolver(store::current, null, DnsVisibility.ALLOW_ALL);
    assertThat(
            addresses(
                noZone.resolve("top3.nearest.of.web.default.internal", DnsRecordType.A, CLIENT)))
        .containsExactly("10.0.0.1", "10.0.1.1", "10.0.2.1");
    FlycastDnsResolver zoneC =
        new FlycastDnsResolver(store::current, "Zone-C", DnsVisibility.ALLOW_ALL);
    assertThat(
            addresses(
                zoneC.resolve("top2.nearest.of.web.default.internal", DnsRecordType.A, CLIENT)))
        .containsExactly("10.0.2.1", "10.0.0.1");
  }

  @Test
  void vmsListsReadyBackendsWithZones() {
    DnsAnswer a = resolver.resolve("vms.web.default.internal", DnsRecordType.TXT, CLIENT);
    assertThat(texts(a)).containsExactly("web-a1 zone-a,web-b1 zone-b,web-a2 zone-a,web-c1 zone-c");
    assertNoData(resolver.resolve("vms.web.default.internal", DnsRecordType.AAAA, CLIENT));
    assertNoData(resolver.resolve("vms.api.prod.internal", DnsRecordType.TXT, CLIENT));
  }

  @Test
  void appsListsRoutesSorted() {
    assertThat(texts(resolver.resolve("_apps.internal.", DnsRecordType.TXT, CLIENT)))
        .containsExactly("api.prod,db.default,web.default");
    assertNoData(resolver.resolve("_apps.internal.", DnsRecordType.A, CLIENT));
  }

  @Test
  void visibilityHidesRoutesEverywhere() {
    DnsVisibility publicOnly = (client, route) -> !route.spec().isPrivate();
    FlycastDnsResolver r = new FlycastDnsResolver(store::current, null, publicOnly);
    assertThat(texts(r.resolve("_apps.internal", DnsRecordType.TXT, CLIENT)))
        .containsExactly("api.prod,web.default");
    assertNxDomain(r.resolve("db.default.flycast", DnsRecordType.AAAA, CLIENT));
    assertNxDomain(r.resolve("db.default.internal", DnsRecordType.A, CLIENT));
    assertNxDomain(r.resolve("vms.db.default.internal", DnsRecordType.TXT, CLIENT));

    DnsVisibility byClient = (client, route) -> client.equals(ip("10.1.1.1"));
    FlycastDnsResolver r2 = new FlycastDnsResolver(store::current, null, byClient);
    assertNxDomain(r2.resolve("web.default.flycast", DnsRecordType.AAAA, CLIENT));
    assertThat(addresses(r2.resolve("web.default.flycast", DnsRecordType.AAAA, ip("10.1.1.1"))))
        .hasSize(1);
    assertNoData(r2.resolve("_apps.internal", DnsRecordType.TXT, CLIENT));
    // Nor does a namespace of hidden routes exist for that client.
    assertNxDomain(r2.resolve("default.flycast", DnsRecordType.AAAA, CLIENT));
  }

  @Test
  void unknownNamesInOurZonesAreNxDomain() {
    for (String n :
        List.of(
            "nope.default.flycast",
            "web.nope.flycast",
            "a.web.default.flycast",
            "web..flycast",
            "nope.default.internal",
            "zone-a.nope.default.internal",
            "vms.nope.default.internal",
            "top2.nearest.of.nope.default.internal",
            "top0.nearest.of.web.default.internal",
            "x.y.z.w.v.u.internal",
            "nope.internal",
            "nope.flycast")) {
      assertNxDomain(resolver.resolve(n, DnsRecordType.AAAA, CLIENT), n);
    }
  }

  @Test
  void emptyNonTerminalsAreNoDataNotNxDomain() {
    // RFC 8020: NXDOMAIN here would tell resolvers nothing exists below.
    for (String n :
        List.of(
            "flycast.",
            "internal.",
            "default.flycast",
            "prod.internal",
            "nearest.of.web.default.internal")) {
      assertNoData(resolver.resolve(n, DnsRecordType.AAAA, CLIENT), n);
    }
  }

  @Test
  void namesOutsideOurZonesAreRefused() {
    for (String n :
        List.of(
            "example.com.", ".", "web.default.flycast.example.com", "internal.evil", "flycastx")) {
      assertThat(resolver.resolve(n, DnsRecordType.A, CLIENT).rcode())
          .as(n)
          .isEqualTo(DnsResponseCode.REFUSED);
    }
  }

  @Test
  void knownNameOfUnsupportedTypeIsNoData() {
    assertNoData(resolver.resolve("web.default.flycast", DnsRecordType.TXT, CLIENT));
    assertNoData(resolver.resolve("web.default.flycast", DnsRecordType.MX, CLIENT));
    assertNoData(resolver.resolve("web.default.internal", DnsRecordType.SRV, CLIENT));
  }

  @Test
  void answersFollowTheCurrentSnapshot() {
    store.remove(DnsTestCatalog.WEB);
    assertNxDomain(resolver.resolve("web.default.flycast", DnsRecordType.AAAA, CLIENT));
    store.putSpec(DnsTestCatalog.spec(DnsTestCatalog.WEB, "fdaa::9", false));
    assertThat(addresses(resolver.resolve("web.default.flycast", DnsRecordType.AAAA, CLIENT)))
        .containsExactly("fdaa:0:0:0:0:0:0:9");
  }

  private static List<String> addresses(DnsAnswer a) {
    assertThat(a.rcode()).isEqualTo(DnsResponseCode.NOERROR);
    return a.records().stream().map(r -> ((Address) r).address().getHostAddress()).toList();
  }

  private static List<String> texts(DnsAnswer a) {
    assertThat(a.rcode()).isEqualTo(DnsResponseCode.NOERROR);
    return a.records().stream().map(AnswerRecord.class::cast).map(r -> ((Text) r).text()).toList();
  }

  private static void assertNoData(DnsAnswer a) {
    assertNoData(a, "");
  }

  private static void assertNoData(DnsAnswer a, String what) {
    assertThat(a.rcode()).as(what).isEqualTo(DnsResponseCode.NOERROR);
    assertThat(a.records()).as(what).isEmpty();
  }

  private static void assertNxDomain(DnsAnswer a) {
    assertNxDomain(a, "");
  }

  private static void assertNxDomain(DnsAnswer a, String what) {
    assertThat(a.rcode()).as(what).isEqualTo(DnsResponseCode.NXDOMAIN);
    assertThat(a.records()).as(what).isEmpty();
  }
}
