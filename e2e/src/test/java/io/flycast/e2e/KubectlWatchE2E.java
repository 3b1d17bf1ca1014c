package io.flycast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flycast.embedded.EmbeddedApiServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code kubectl get -w} (a plain HTTP watch, streamed) against the embedded API: a change made
 * while it runs appears as a new line, and killing kubectl releases the watch it held.
 */
class KubectlWatchE2E {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static EmbeddedApiServer api;
  private static Path dir;
  private static Kubectl kubectl;

  @BeforeAll
  static void start() throws IOException {
    dir = Files.createTempDirectory("flycast-kubectl-watch");
    api = new EmbeddedApiServer().start(0);
    kubectl = new Kubectl(api, dir);
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
  }

  private static List<String> linesStartingWith(Path out, String name) {
    try {
      return Files.readAllLines(out).stream().filter(l -> l.startsWith(name + " ")).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String exposed(String name, int port) {
    return """
    apiVersion: fly.io/v1alpha1
    kind: ExposedService
    metadata: {name: NAME}
    spec:
      selector: {app: NAME}
      internalPort: 8080
      ports: [{port: PORT, handlers: [http]}]
    """
        .replace("NAME", name)
        .replace("PORT", Integer.toString(port));
  }

  /** Stops kubectl as a user's Ctrl-C would, and sees the API let go of its watch. */
  private static void stopAndSeeTheWatchReleased(Process watch) throws Exception {
    assertThat(api.streamedWatches()).isPositive();
    watch.destroy();
    assertThat(watch.waitFor(10, TimeUnit.SECONDS)).isTrue();
    await().atMost(WAIT).until(() -> api.streamedWatches() == 0);
  }

  @Test
  void getExposedServicesWatchShowsCreationsAndChanges() throws Exception {
    kubectl.run("apply", "-f", kubectl.file("w1.yaml", exposed("watched-1", 80)).toString()).ok();
    Path out = dir.resolve("exsvc-watch.out");
    Process watch = kubectl.start(out, "get", "exposedservice", "-w");
    try {
      await().atMost(WAIT).until(() -> linesStartingWith(out, "watched-1").size() == 1);
      await().atMost(WAIT).until(() -> api.streamedWatches() == 1);
      kubectl.run("apply", "-f", kubectl.file("w2.yaml", exposed("watched-2", 81)).toString()).ok();
      await().atMost(WAIT).until(() -> linesStartingWith(out, "watched-2").size() == 1);
      kubectl.run("annotate", "exsvc", "watched-1", "note=changed").ok();
      await().atMost(WAIT).until(() -> linesStartingWith(out, "watched-1").size() == 2);
      assertThat(Files.readString(out)).doesNotContain("error", "Error");
      stopAndSeeTheWatchReleased(watch);
    } finally {
      watch.destroyForcibly();
    }
  }

  @Test
  void getPodsWatchShowsANewPodAndALabelChange() throws Exception {
    kubectl.run("run", "watched-pod-1", "--image=example/one").ok();
    Path out = dir.resolve("pods-watch.out");
    Process watch = kubectl.start(out, "get", "pods", "-w");
    try {
      await().atMost(WAIT).until(() -> linesStartingWith(out, "watched-pod-1").size() == 1);
      kubectl.run("run", "watched-pod-2", "--image=example/two").ok();
      await().atMost(WAIT).until(() -> linesStartingWith(out, "watched-pod-2").size() == 1);
      kubectl.run("label", "pod", "watched-pod-1", "tier=front").ok();
      await().atMost(WAIT).until(() -> linesStartingWith(out, "watched-pod-1").size() == 2);
      stopAndSeeTheWatchReleased(watch);
    } finally {
      watch.destroyForcibly();
    }
  }
}
