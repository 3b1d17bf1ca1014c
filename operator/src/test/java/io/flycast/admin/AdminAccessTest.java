package io.flycast.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Who reads what on the admin port. Probes and Prometheus reach /healthz, /readyz and /metrics
 * from anywhere; the status page and /debug/* (routes, pod IPs) need loopback or the token.
 */
class AdminAccessTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final List<String> PROTECTED = List.of("/", "/debug/catalog", "/debug/stats", "/debug/added-later");
  private static final List<String> OPEN = List.of("/healthz", "/readyz", "/metrics");

  /**
   * An address of this machine that is not loopback. A client connecting to it comes from it, so
   * the admin server sees a non-loopback client as it would from another pod.
   */
  static InetAddress nonLoopbackAddress() throws SocketException {
    Optional<InetAddress> found = NetworkInterface.networkInterfaces()
        .filter(i -> {
          try {
            return i.isUp() && !i.isLoopback();
          } catch (SocketException e) {
            return false;
          }
        })
        .flatMap(NetworkInterface::inetAddresses)
        .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress())
        .findFirst();
    assumeTrue(found.isPresent(), "this machine has no non-loopback IPv4 address to test from");
    return found.get();
  }

  /** Real connections from a non-loopback address. */
  @Nested
  class FromAnotherAddress {
    @Test
    void withoutATokenProtectedPathsAre403AndSayHowToGetAccess() throws Exception {
      try (AdminServer admin = new TestAdmin().start(nonLoopbackAddress(), AdminAccess.loopbackOnly(), AdminLimits.DEFAULT)) {
        for (String path : PROTECTED) {
          RawClient.Response r = RawClient.exchange(admin.address(), RawClient.get(path), TIMEOUT);
          assertThat(r.status()).as(path).isEqualTo(403);
          assertThat(r.body()).as(path).contains("kubectl", "port-forward", "--admin-token-file")
              .doesNotContain("10.244.1.7");
        }
      }
    }

    @Test
    void probesAndMetricsAreOpen() throws Exception {
      AdminToken token = AdminToken.of("s3cret");
      for (AdminAccess access : List.of(AdminAccess.loopbackOnly(), AdminAccess.loopbackOrToken(token))) {
        try (AdminServer admin = new TestAdmin().start(nonLoopbackAddress(), access, AdminLimits.DEFAULT)) {
          for (String path : OPEN) {
            assertThat(RawClient.exchange(admin.address(), RawClient.get(path), TIMEOUT).status()).as(path).isEqualTo(200);
          }
        }
      }
    }

    @Test
    void withATokenProtectedPathsNeedIt() throws Exception {
      AdminAccess access = AdminAccess.loopbackOrToken(AdminToken.of("s3cret"));
      try (AdminServer admin = new TestAdmin().start(nonLoopbackAddress(), access, AdminLimits.DEFAULT)) {
        for (String path : PROTECTED) {
          for (String[] headers : List.of(new String[0], new String[] {"Authorization: Bearer wrong"},
              new String[] {"Authorization: Basic czNjcmV0"}, new String[] {"Authorization: s3cret"})) {
            RawClient.Response r = RawClient.exchange(admin.address(), RawClient.get(path, headers), TIMEOUT);
            assertThat(r.status()).as("%s %s", path, List.of(headers)).isEqualTo(401);
            assertThat(r.header("www-authenticate")).startsWith("Bearer");
            assertThat(r.body()).doesNotContain("10.244.1.7");
          }
        }
        RawClient.Response catalog = RawClient.exchange(
            admin.address(), RawClient.get("/debug/catalog", "Authorization: Bearer s3cret"), TIMEOUT);
        assertThat(catalog.status()).isEqualTo(200);
        assertThat(catalog.body()).isEqualTo(TestAdmin.CATALOG);
        assertThat(RawClient.exchange(admin.address(), RawClient.get("/", "authorization: bearer s3cret"), TIMEOUT)
            .status()).isEqualTo(200);
      }
    }
  }

  /** Real connections over loopback, as kubectl port-forward makes them. */
  @Nested
  class FromLoopback {
    @Test
    void protectedPathsAnswerWithoutAToken() throws Exception {
      try (AdminServer admin = new TestAdmin().startOnLoopback()) {
        assertThat(RawClient.exchange(admin.address(), RawClient.get("/debug/catalog"), TIMEOUT).body())
            .isEqualTo(TestAdmin.CATALOG);
        assertThat(RawClient.exchange(admin.address(), RawClient.get("/"), TIMEOUT).status()).isEqualTo(200);
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
      assertThat(loopbackOnly.refusal("/debug/catalog", ip(client), "127.0.0.1:9090", null)).isEmpty();
    }

    @Test
    void anIpv4MappedLoopbackClientIsLoopback() throws Exception {
      byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 1};
      InetAddress v6 = java.net.Inet6Address.getByAddress(null, mapped, -1);
      assertThat(AdminAccess.isLoopback(v6)).isTrue();
      byte[] other = mapped.clone();
      other[12] = 10;
      assertThat(AdminAccess.isLoopback(java.net.Inet6Address.getByAddress(null, other, -1))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.7", "192.168.1.20", "fd00::7", "100.64.0.1"})
    void otherClientsAreRefused(String client) throws Exception {
      assertThat(loopbackOnly.refusal("/debug/catalog", ip(client), "10.0.0.1:9090", null))
          .hasValueSatisfying(r -> assertThat(r.status().code()).isEqualTo(403));
      assertThat(loopbackOnly.refusal("/metrics", ip(client), "10.0.0.1:9090", null)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost:9090", "LOCALHOST", "127.0.0.1:9090", "[::1]:9090", "10.1.2.3"})
    void hostsThatNameTheServerDirectlyPass(String host) {
      assertThat(AdminAccess.namesTheServerDirectly(host)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"evil.example", "evil.example:9090", "localhost.evil.example", "127.0.0.1.nip.io"})
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
      assertThatThrownBy(() -> AdminToken.read(blank)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("empty");
      assertThatThrownBy(() -> AdminToken.read(dir.resolve("missing"))).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("cannot read");
    }
  }
}
