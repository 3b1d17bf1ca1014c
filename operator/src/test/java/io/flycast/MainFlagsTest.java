package io.flycast;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** A wrong flag value stops the operator before anything starts, with a message naming it. */
class MainFlagsTest {
  private static int run(StringWriter err, String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--tls-provider=bogus | TLS provider must be auto, openssl or jdk, not 'bogus'",
        "--queue-timeout=soon | 'soon' is not a duration like 500ms, 15s, 1m or 2h",
        "--body-read-timeout=soon | 'soon' is not a duration like 500ms, 15s, 1m or 2h",
        "--header-read-timeout=10 parsecs | '10 parsecs' is not a duration like 500ms, 15s, 1m or"
            + " 2h",
        "--min-body-rate=0 | --min-body-rate must be at least 1 byte per second, not 0",
        "--rate-limit-max-keys=0 | --rate-limit-max-keys must be at least 1, not 0",
        "--shutdown-delay=soon | 'soon' is not a duration like 500ms, 15s, 1m or 2h",
        "--shutdown-delay=-1s | '-1s' is not a duration like 500ms, 15s, 1m or 2h",
        "--trusted-cidrs=10.0.0.0/99 | '10.0.0.0/99'",
        "--secret-namespaces=shop,Team_A | --secret-namespaces: 'Team_A' is not a namespace name (a"
            + " DNS label)",
        "--scale-kinds=apps/v1/Deployment | --scale-kinds: 'apps/v1/Deployment' is not"
            + " <apiVersion>/<Kind>=<resource>"
      })
  void badValueExitsWithUsageErrorAndSaysWhy(String flag, String message) {
    StringWriter err = new StringWriter();
    assertThat(run(err, flag)).isEqualTo(CommandLine.ExitCode.USAGE);
    assertThat(err.toString()).contains(message).doesNotContain("\tat ");
  }

  @Test
  void tlsProviderPropertyIsReadAsTheEmbeddedProxyReadsIt() {
    Main main = new Main();
    String before = System.getProperty("flycast.tls.provider");
    System.setProperty("flycast.tls.provider", "jdk");
    try {
      new CommandLine(main).parseArgs();
      assertThat(main.proxy.tlsProvider).isEqualTo("jdk");
      new CommandLine(main).parseArgs("--tls-provider=openssl");
      assertThat(main.proxy.tlsProvider).isEqualTo("openssl"); // the flag wins
      new CommandLine(main).parseArgs("--tls-provider=");
      // Blank falls through to the property (then the environment, then auto), as the embedded
      // proxy reads it.
      assertThat(main.proxy.tlsProvider()).isEqualTo(io.flycast.proxy.tls.TlsProvider.JDK);
    } finally {
      if (before == null) {
        System.clearProperty("flycast.tls.provider");
      } else {
        System.setProperty("flycast.tls.provider", before);
      }
    }
  }

  @Test
  void rateLimitMaxKeysDefaultsToTheLimitersBoundAndCanBeRaised() {
    Main main = new Main();
    new CommandLine(main).parseArgs();
    assertThat(main.proxy.tuning().rateLimitMaxKeys())
        .isEqualTo(io.flycast.catalog.RateLimit.DEFAULT_MAX_KEYS);
    new CommandLine(main).parseArgs("--rate-limit-max-keys=500000");
    assertThat(main.proxy.tuning().rateLimitMaxKeys()).isEqualTo(500_000);
  }

  /** In a cluster a replica serves on while its endpoint goes (LocalMainTest: embedded mode). */
  @Test
  void shutdownDelayDefaultsToTenSeconds() {
    Main main = new Main();
    new CommandLine(main).parseArgs();
    assertThat(main.shutdownDelay()).hasSeconds(10);
    new CommandLine(main).parseArgs("--shutdown-delay=0");
    assertThat(main.shutdownDelay()).isZero();
  }

  @Test
  void zeroQueueTimeoutMeansRefuseAtOnce() {
    assertThat(Main.duration("0")).isZero();
    assertThat(Main.duration("250ms").toMillis()).isEqualTo(250);
  }

  @Test
  void adminTokenFileIsReadTrimmedAndFallsBackToItsEnvironmentVariable(@TempDir Path dir)
      throws Exception {
    Main main = new Main();
    new CommandLine(main)
        .parseArgs("--admin-token-file=" + Files.writeString(dir.resolve("token"), "s3cret\n"));
    assertThat(main.listen.adminToken().matches("s3cret")).isTrue();
    new CommandLine(main).parseArgs("--admin-token-file=");
    assertThat(main.listen.adminToken()).as("blank: no token, loopback only").isNull();
    assertThat(
            ListenFlags.class
                .getDeclaredField("adminTokenFile")
                .getAnnotation(CommandLine.Option.class)
                .defaultValue())
        .isEqualTo("${env:FLYCAST_ADMIN_TOKEN_FILE}");
  }

  @Test
  void anUnreadableOrEmptyAdminTokenFileStopsTheOperator(@TempDir Path dir) throws Exception {
    StringWriter err = new StringWriter();
    assertThat(run(err, "--admin-token-file=" + dir.resolve("missing")))
        .isEqualTo(CommandLine.ExitCode.USAGE);
    assertThat(err.toString()).contains("--admin-token-file: cannot read").doesNotContain("\tat ");

    StringWriter err2 = new StringWriter();
    Path empty = Files.writeString(dir.resolve("empty"), "\n");
    assertThat(run(err2, "--admin-token-file=" + empty)).isEqualTo(CommandLine.ExitCode.USAGE);
    assertThat(err2.toString()).contains("--admin-token-file: " + empty + " is empty");
  }

  /**
   * docs/api-client.md: with the JDK client, HTTP/2 to a real API server is one connection never
   * replaced.
   */
  @Test
  void theRealClusterClientSpeaksHttp11(@TempDir Path dir) throws Exception {
    Path kubeconfig =
        Files.writeString(
            dir.resolve("kubeconfig"),
            """
            apiVersion: v1
            kind: Config
            clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]
            users: [{name: u, user: {token: t}}]
            contexts: [{name: x, context: {cluster: c, user: u}}]
            current-context: x
            """);
    var config = Main.clusterConfig(kubeconfig);
    assertThat(config.getMasterUrl()).startsWith("https://127.0.0.1:6443");
    assertThat(config.isHttp2Disable()).isTrue();
  }
}
