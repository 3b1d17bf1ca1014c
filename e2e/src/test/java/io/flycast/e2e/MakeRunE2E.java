package io.flycast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** `make run` (hack/run.sh) as a newcomer runs it twice in one shell. */
class MakeRunE2E {
  /**
   * The README tells the user to export KUBECONFIG=.flycast/kubeconfig; a second `make run` in that
   * shell must start embedded mode again, not run against the dead API the file names.
   */
  @Test
  void anExportedEmbeddedKubeconfigStartsEmbeddedModeAgain() throws Exception {
    Path state = Files.createTempDirectory("flycast-make-run");
    // What the previous run left: its kubeconfig, naming an API that is gone.
    Files.writeString(
        state.resolve("kubeconfig"),
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: embedded, cluster: {server: "http://127.0.0.1:1"}}]
        users: [{name: u, user: {token: t}}]
        contexts: [{name: embedded, context: {cluster: embedded, user: u}}]
        current-context: embedded
        """);
    int admin = FlycastProcess.freePort();
    Path log = state.resolve("run.log");
    ProcessBuilder pb =
        new ProcessBuilder("bash", "hack/run.sh")
            .directory(FlycastProcess.repo().toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment()
        .putAll(
            Map.of(
                "JAVA_HOME",
                System.getProperty("java.home"),
                "KUBECONFIG",
                state.resolve("kubeconfig").toString(),
                "FLYCAST_STATE_DIR",
                state.toString(),
                "FLYCAST_ADMIN_LISTEN",
                "127.0.0.1:" + admin,
                "FLYCAST_HTTP_LISTEN",
                "127.0.0.1:" + FlycastProcess.freePort(),
                "FLYCAST_TLS_LISTEN",
                "127.0.0.1:" + FlycastProcess.freePort(),
                "FLYCAST_DNS_LISTEN",
                "127.0.0.1:" + FlycastProcess.freePort(),
                "FLYCAST_DEDICATED_LISTEN",
                ""));
    Process run = pb.start();
    try {
      HttpClient http = HttpClient.newHttpClient();
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(250))
          .failFast("make run exited: " + log, () -> !run.isAlive())
          .ignoreExceptions()
          .until(
              () ->
                  http.send(
                              HttpRequest.newBuilder(
                                      URI.create("http://127.0.0.1:" + admin + "/readyz"))
                                  .build(),
                              HttpResponse.BodyHandlers.ofString())
                          .statusCode()
                      == 200);
      assertThat(Files.readString(log))
          .contains("is embedded mode's own kubeconfig: starting embedded mode")
          .contains("embedded Kubernetes API at");
      assertThat(Files.readString(state.resolve("kubeconfig")))
          .as("rewritten for the new API")
          .doesNotContain("127.0.0.1:1\"");
    } finally {
      run.toHandle().descendants().forEach(ProcessHandle::destroy);
      run.destroy();
      run.waitFor();
    }
  }
}
