package io.flycast.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Who reads what on the admin port. Probes and Prometheus reach /healthz, /readyz and /metrics from
 * anywhere; the status page and /debug/* (routes, pod IPs) need loopback or the token.
 */
class AdminAccessTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final List<String> PROTECTED =
      List.of("/", "/debug/catalog", "/debug/stats", "/debug/added-later");
  private static final List<String> OPEN = List.of("/healthz", "/readyz", "/metrics");

  /**
   * Where the admin server listens in tests that play another pod, and the one client it trusts.
   */
  static final InetAddress SERVER = address(127, 0, 0, 1);

  /**
   * Another loopback address, which {@link #THIS_POD_ONLY} does not count as local: another pod.
   */
  static final InetAddress ANOTHER_POD = address(127, 0, 0, 2);

  /**
   * A local-client policy that trusts 127.0.0.1 and ::1 only, so 127.0.0.2 stands for another pod.
   */
  static final Predicate<InetAddress> THIS_POD_ONLY = a -> a.equals(SERVER) || isIpv6Loopback(a);

  private static InetAddress address(int... octets) {
    byte[] b = new byte[octets.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) octets[i];
    }
    try {
      return InetAddress.getByAddress(b);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  /** ::1 (an Inet6Address is loopback only as ::1). */
  private static boolean isIpv6Loopback(InetAddress a) {
    return a instanceof Inet6Address && a.isLoopbackAddress();
  }

  /**
   * Real connections from another pod, played over loopback: the server listens on 127.0.0.1 with
   * {@link #THIS_POD_ONLY} as its local-client policy, and the client connects from 127.0.0.2. Only
   * the policy is the test's; the server, its handler and the rules are the real ones.
   */
  @Nested
  class FromAnotherAddress {
    private AdminServer start(AdminToken tokenOrNull) {
      return new TestAdmin()
          .start(
              SERVER,
              AdminAccess.withLocalClients(tokenOrNull, THIS_POD_ONLY),
              AdminLimits.DEFAULT);
    }

    private RawClient.Response fromAnotherPod(AdminServer admin, String request) throws Exception {
      return RawClient.exchange(ANOTHER_POD, admin.address(), request, TIMEOUT);
    }

    @Test
    void theServerJudgesTheConnectionsSourceAddress() throws Exception {
      try (AdminServer admin = start(null)) {
        assertThat(admin.address().getAddress()).isEqualTo(SERVER);
        // the same server, the same request: its own address reads, the other pod's does not
        RawClient.Response local =
            RawClient.exchange(SERVER, admin.address(), RawClient.get("/debug/catalog"), TIMEOUT);
        assertThat(local.status()).isEqualTo(200);
        assertThat(local.body()).isEqualTo(TestAdmin.CATALOG);
        assertThat(fromAnotherPod(admin, RawClient.get("/debug/catalog")).status()).isEqualTo(403);
      }
    }

    @Test
    void withoutATokenProtectedPathsAre403AndSayHowToGetAccess() throws Exception {
      try (AdminServer admin = start(null)) {
        for (String path : PROTECTED) {
          RawClient.Response r = fromAnotherPod(admin, RawClient.get(path));
          assertThat(r.status()).as(path).isEqualTo(403);
          assertThat(r.body())
              .as(path)
              .contains("kubectl", "port-forward", "--admin-token-file")
              .doesNotContain("10.244.1.7");
        }
      }
    }

    @Test
    void probesAndMetricsAreOpen() throws Exception {
      for (AdminToken token : Arrays.asList(null, AdminToken.of("s3cret"))) {
        try (AdminServer admin = start(token)) {
          for (String path : OPEN) {
            assertThat(fromAnotherPod(admin, RawClient.get(path)).status())
                .as("%s token %s", path, token)
                .isEqualTo(200);
          }
        }
      }
    }

    @Test
    void withATokenProtectedPathsNeedIt() throws Exception {
      try (AdminServer admin = start(AdminToken.of("s3cret"))) {
        for (String path : PROTECTED) {
          for (String[] headers :
              List.of(
                  new String[0],
                  new String[] {"Authorization: Bearer wrong"},
                  new String[] {"Authorization: Basic czNjcmV0"},
                  new String[] {"Authorization: s3cret"})) {
            RawClient.Response r = fromAnotherPod(admin, RawClient.get(path, headers));
            assertThat(r.status()).as("%s %s", path, List.of(headers)).isEqualTo(401);
            assertThat(r.header("www-authenticate")).startsWith("Bearer");
            assertThat(r.body()).doesNotContain("10.244.1.7");
          }
        }
        RawClient.Response catalog =
            fromAnotherPod(admin, RawClient.get("/debug/catalog", "Authorization: Bearer s3cret"));
        assertThat(catalog.status()).isEqualTo(200);
        assertThat(catalog.body()).isEqualTo(TestAdmin.CATALOG);
        assertThat(
                fromAnotherPod(admin, RawClient.get("/", "authorization: bearer s3cret")).status())
            .isEqualTo(200);
      }
    }
  }

  /** Real connections over loopback, as kubectl port-forward makes them. */
  @Nested
  class FromLoopback {
    @Test
    void protectedPathsAnswerWithoutAToken() throws Exception {
      try (AdminServer admin = new TestAdmin().startOnLoopback()) {
        assertThat(
                RawClient.exchange(admin.address(), RawClient.get("/debug/catalog"), TIMEOUT)
                    .body())
            .isEqualTo(TestAdmin.CATALOG);
        assertThat(RawClient.exchange(admin.address(), RawClient.get("/"), TIMEOUT).status())
            .isEqualTo(200);
      }
    }

    @Test
    void aDnsNameInHostIsRefusedAsPossibleRebinding() throws Exception {
      try (AdminServer admin = new TestAdmin().startOnLoopback()) {
        String request = "GET /debug/catalog HTTP/1.1\r\nHost: evil.example:9090\r\n\r\n";
        RawClient.Response r = RawClient.exchange(admin.address(), request, TIMEOUT);
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.body()).contains("DNS rebinding").doesNotContain("10.244.1.7");
      }
    }
  }

  /** The rule itself, for addresses no test machine has. */
  @Nested
  class Rule {
    private final AdminAccess loopbackOnly = AdminAccess.loopbackOnly();

    private static InetAddress ip(String s) throws Exception {
      return InetAddress.getByName(s);
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.3.4.5", "::1"})
    void loopbackClientsReadProtectedPaths(String client) throws Exception {
      assertThat(loopbackOnly.refusal("/debug/catalog", ip(client), "127.0.0.1:9090", null))
          .isEmpty();
    }

    @Test
    void anIpv4MappedLoopbackClientIsLoopback() throws Exception {
      byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 1};
      InetAddress v6 = java.net.Inet6Address.getByAddress(null, mapped, -1);
      assertThat(AdminAccess.isLoopback(v6)).isTrue();
      byte[] other = mapped.clone();
      other[12] = 10;
      assertThat(AdminAccess.isLoopback(java.net.Inet6Address.getByAddress(null, other, -1)))
          .isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.7", "192.168.1.20", "fd00::7", "100.64.0.1"})
    void otherClientsAreRefused(String client) throws Exception {
      assertThat(loopbackOnly.refusal("/debug/catalog", ip(client), "10.0.0.1:9090", null))
          .hasValueSatisfying(r -> assertThat(r.status().code()).isEqualTo(403));
      assertThat(loopbackOnly.refusal("/metrics", ip(client), "10.0.0.1:9090", null)).isEmpty();
    }

    @Test
    void theTestsPolicyChangesOnlyWhoIsLocal() throws Exception {
      AdminAccess thisPodOnly = AdminAccess.withLocalClients(null, THIS_POD_ONLY);
      assertThat(thisPodOnly.refusal("/debug/catalog", ip("127.0.0.1"), "127.0.0.1:9090", null))
          .isEmpty();
      assertThat(thisPodOnly.refusal("/debug/catalog", ip("::1"), "[::1]:9090", null)).isEmpty();
      assertThat(thisPodOnly.refusal("/debug/catalog", ip("127.0.0.2"), "127.0.0.1:9090", null))
          .hasValueSatisfying(r -> assertThat(r.status().code()).isEqualTo(403));
      assertThat(thisPodOnly.refusal("/debug/catalog", ip("127.0.0.1"), "evil.example:9090", null))
          .hasValueSatisfying(r -> assertThat(r.status().code()).isEqualTo(403));
      assertThat(thisPodOnly.refusal("/metrics", ip("127.0.0.2"), "127.0.0.1:9090", null))
          .isEmpty();
      // the real rule counts all of 127.0.0.0/8 as local, 127.0.0.2 included
      assertThat(loopbackOnly.refusal("/debug/catalog", ip("127.0.0.2"), "127.0.0.1:9090", null))
          .isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
        strings = {"localhost:9090", "LOCALHOST", "127.0.0.1:9090", "[::1]:9090", "10.1.2.3"})
    void hostsThatNameTheServerDirectlyPass(String host) {
      assertThat(AdminAccess.namesTheServerDirectly(host)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "evil.example",
          "evil.example:9090",
          "localhost.evil.example",
          "127.0.0.1.nip.io"
        })
    void hostsWithADnsNameDoNot(String host) {
      assertThat(AdminAccess.namesTheServerDirectly(host)).isFalse();
    }
  }

  @Nested
  class Token {
    @Test
    void readFromAFileTrimmed(@TempDir Path dir) throws Exception {
      Path file = Files.writeString(dir.resolve("token"), "  s3cret\n");
      AdminToken token = AdminToken.read(file);
      assertThat(token.matches("s3cret")).isTrue();
      assertThat(token.matches("s3cret\n")).isFalse();
      assertThat(token.matches("s3cre")).isFalse();
      assertThat(token.matches(null)).isFalse();
      assertThat(token).hasToString("AdminToken[redacted]");
    }

    @Test
    void anEmptyOrMissingFileIsRefused(@TempDir Path dir) throws Exception {
      Path blank = Files.writeString(dir.resolve("blank"), " \n");
      assertThatThrownBy(() -> AdminToken.read(blank))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("empty");
      assertThatThrownBy(() -> AdminToken.read(dir.resolve("missing")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("cannot read");
    }
  }
}
