package io.flycast.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.RouteSpec;
import io.flycast.network.Cidr;
import io.flycast.network.ClientNetworks;
import io.flycast.network.NetworkPolicy;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * DNS answers only name private routes of the querying client's network, with the proxy's {@link
 * NetworkPolicy} as the {@link DnsVisibility}; {@code dig -b} picks the source address. Catalog:
 * {@link DnsTestCatalog} (web.default and api.prod public, db.default private to network {@code
 * default}) plus secret.prod, private to {@code prod}.
 */
class DnsIsolationDigTest {
  private static final String IN_DEFAULT = "127.0.0.21";
  private static final String IN_PROD = "127.0.0.22";
  private static final String UNKNOWN = "127.0.0.23";
  private static final String COREDNS = "127.0.0.24";

  private final CatalogStore store = DnsTestCatalog.store();
  private DnsServer server;
  private Dig dig;

  @BeforeEach
  void start() throws Exception {
    RouteSpec secret = DnsTestCatalog.spec(new RouteKey("prod", "secret"), "fdaa::5", true);
    store.putSpec(
        RouteSpec.builder(secret.key(), secret.address())
            .hostnames(secret.hostnames())
            .ports(secret.ports())
            .concurrency(secret.concurrency())
            .autoscale(secret.autoscale())
            .isPrivate(true)
            .network("prod")
            .build());
    ClientNetworks lookup =
        new ClientNetworks() {
          @Override
          public Set<String> networksOf(InetAddress client) {
            return Map.of(
                    DnsTestCatalog.ip(IN_DEFAULT), Set.of("default"),
                    DnsTestCatalog.ip(IN_PROD), Set.of("prod"))
                .getOrDefault(client, Set.of());
          }

          @Override
          public boolean isClusterResolver(InetAddress client) {
            return client.equals(DnsTestCatalog.ip(COREDNS));
          }
        };
    NetworkPolicy policy = new NetworkPolicy(lookup, Cidr.parseList(""));
    server =
        new DnsServer(
            new InetSocketAddress("127.0.0.1", 0),
            store,
            "zone-a",
            policy::visibleInDns,
            new PrometheusRegistry());
    server.start();
    dig = new Dig(server.udpAddress().getPort());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void privateNamesResolveInsideTheirNetworkOnly() throws Exception {
    assertThat(dig.shortAnswer("-b", IN_DEFAULT, "AAAA", "db.default.flycast"))
        .containsExactly("fdaa::3");
    assertThat(dig.status("-b", IN_DEFAULT, "AAAA", "secret.prod.flycast")).isEqualTo("NXDOMAIN");
    assertThat(dig.shortAnswer("-b", IN_PROD, "+tcp", "AAAA", "secret.prod.flycast"))
        .containsExactly("fdaa::5");
    assertThat(dig.status("-b", IN_PROD, "+tcp", "AAAA", "db.default.flycast"))
        .isEqualTo("NXDOMAIN");
    assertThat(dig.status("-b", UNKNOWN, "A", "db.default.internal")).isEqualTo("NXDOMAIN");
  }

  @Test
  void publicNamesResolveForEveryone() throws Exception {
    for (String source : new String[] {IN_DEFAULT, IN_PROD, UNKNOWN}) {
      assertThat(dig.shortAnswer("-b", source, "AAAA", "web.default.flycast"))
          .as(source)
          .containsExactly("fdaa::1");
    }
  }

  @Test
  void appsListShowsOnlyVisibleRoutes() throws Exception {
    assertThat(dig.shortAnswer("-b", IN_DEFAULT, "TXT", "_apps.internal"))
        .containsExactly("\"api.prod,db.default,web.default\"");
    assertThat(dig.shortAnswer("-b", IN_PROD, "TXT", "_apps.internal"))
        .containsExactly("\"api.prod,secret.prod,web.default\"");
    assertThat(dig.shortAnswer("-b", UNKNOWN, "TXT", "_apps.internal"))
        .containsExactly("\"api.prod,web.default\"");
  }

  @Test
  void theClusterResolverSeesEveryNameSinceItAsksForAllPods() throws Exception {
    assertThat(dig.shortAnswer("-b", COREDNS, "TXT", "_apps.internal"))
        .containsExactly("\"api.prod,db.default,secret.prod,web.default\"");
    assertThat(dig.shortAnswer("-b", COREDNS, "AAAA", "secret.prod.flycast"))
        .containsExactly("fdaa::5");
  }
}
