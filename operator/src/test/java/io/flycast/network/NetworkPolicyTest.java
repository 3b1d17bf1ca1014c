package io.flycast.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.catalog.PortSpec;
import io.flycast.catalog.Route;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.RouteSpec;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The isolation decision, without sockets: who reaches public and private routes, and replays. */
class NetworkPolicyTest {
  private static final InetAddress IN_A = ip("10.1.0.1");
  private static final InetAddress IN_A_AND_SHARED = ip("10.1.0.2");
  private static final InetAddress IN_B = ip("10.2.0.1");
  private static final InetAddress UNKNOWN = ip("10.9.9.9");
  private static final InetAddress NODE = ip("192.168.1.7");
  private static final InetAddress COREDNS = ip("10.3.0.53");

  private final ClientNetworks lookup =
      new ClientNetworks() {
        @Override
        public Set<String> networksOf(InetAddress client) {
          return Map.of(
                  IN_A, Set.of("a"),
                  IN_A_AND_SHARED, Set.of("a", "shared"),
                  IN_B, Set.of("b"),
                  COREDNS, Set.of("kube-system"))
              .getOrDefault(client, Set.of());
        }

        @Override
        public boolean isClusterResolver(InetAddress client) {
          return client.equals(COREDNS);
        }
      };
  private final NetworkPolicy policy = new NetworkPolicy(lookup, Cidr.parseList("192.168.0.0/16"));

  @Test
  void privateRouteAdmitsItsNetworkOnly() {
    RouteSpec web = spec("a", "web", true, "a");
    assertThat(policy.decide(IN_A, web)).isEqualTo(Access.ALLOWED);
    assertThat(policy.decide(IN_B, web)).isEqualTo(Access.OTHER_NETWORK);
    assertThat(policy.decide(UNKNOWN, web)).isEqualTo(Access.UNKNOWN_CLIENT);
  }

  @Test
  void publicRouteAdmitsEveryone() {
    RouteSpec pub = spec("a", "pub", false, "a");
    for (InetAddress c : List.of(IN_A, IN_B, UNKNOWN, NODE)) {
      assertThat(policy.decide(c, pub)).as("%s", c).isEqualTo(Access.ALLOWED);
    }
  }

  @Test
  void trustedSourcesReachEveryPrivateRoute() {
    assertThat(policy.decide(NODE, spec("a", "web", true, "a"))).isEqualTo(Access.ALLOWED);
    assertThat(policy.decide(NODE, spec("b", "db", true, "b"))).isEqualTo(Access.ALLOWED);
    assertThat(policy.isTrusted(UNKNOWN)).isFalse();
  }

  @Test
  void namedNetworkAdmitsItsMembersFromAnyNamespace() {
    RouteSpec shared = spec("b", "api", true, "shared");
    assertThat(policy.decide(IN_A_AND_SHARED, shared)).isEqualTo(Access.ALLOWED);
    // b's own pods are not in "shared" unless their namespace joins it.
    assertThat(policy.decide(IN_B, shared)).isEqualTo(Access.OTHER_NETWORK);
  }

  @Test
  void ipv4MappedClientsAreLookedUpAsIpv4() {
    assertThat(policy.decide(ip("::ffff:10.1.0.1"), spec("a", "web", true, "a")))
        .isEqualTo(Access.ALLOWED);
    assertThat(policy.decide(ip("::ffff:192.168.3.3"), spec("a", "web", true, "a")))
        .isEqualTo(Access.ALLOWED);
  }

  @Test
  void replaysStayInsideOneNetwork() {
    assertThat(policy.mayReplay(spec("a", "web", false, "a"), spec("a", "api", true, "a")))
        .isTrue();
    assertThat(policy.mayReplay(spec("a", "web", true, "a"), spec("a", "api", true, "shared")))
        .isFalse();
    assertThat(
            NetworkPolicy.OPEN.mayReplay(
                spec("a", "web", true, "a"), spec("a", "api", true, "shared")))
        .isTrue();
  }

  @Test
  void dnsHidesPrivateNamesExceptFromTheClusterResolver() {
    Route web = new Route(spec("a", "web", true, "a"), List.of(), 1);
    assertThat(policy.visibleInDns(IN_A, web)).isTrue();
    assertThat(policy.visibleInDns(IN_B, web)).isFalse();
    // CoreDNS asks on behalf of every pod: it sees every name, but its own connections do not pass.
    assertThat(policy.visibleInDns(COREDNS, web)).isTrue();
    assertThat(policy.allows(COREDNS, web)).isFalse();
  }

  @Test
  void openPolicyIsolatesNothing() {
    assertThat(NetworkPolicy.OPEN.decide(UNKNOWN, spec("a", "web", true, "a")))
        .isEqualTo(Access.ALLOWED);
  }

  @Test
  void refusalReasonsAreMetricLabels() {
    assertThat(Access.OTHER_NETWORK.reason()).isEqualTo("other_network");
    assertThat(Access.UNKNOWN_CLIENT.reason()).isEqualTo("unknown_client");
  }

  static RouteSpec spec(String ns, String name, boolean isPrivate, String network) {
    return RouteSpec.builder(new RouteKey(ns, name), ip("fdaa::1"))
        .ports(List.of(PortSpec.tcp(80, 8080)))
        .isPrivate(isPrivate)
        .network(network)
        .build();
  }

  static InetAddress ip(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
