package io.flycast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Ctrl-C on `make run`, or a SIGKILL: everything stops, no pod process is left behind. */
class ShutdownE2E {
  @Test
  void ctrlCStopsTheProcessAndEveryLocalPod() throws Exception {
    FlycastProcess flycast =
        FlycastProcess.startEmbedded(
            "--apply", FlycastProcess.repo().resolve("examples").toString());
    ProcessHandle main = flycast.process.toHandle();
    // Wait for the example pods: the local runtime's processes are children of the jar's JVM.
    await().atMost(Duration.ofSeconds(60)).until(() -> main.descendants().count() >= 3);
    List<ProcessHandle> pods = main.descendants().toList();

    new ProcessBuilder("kill", "-INT", Long.toString(main.pid())).start().waitFor();

    await().atMost(Duration.ofSeconds(30)).until(() -> !main.isAlive());
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(pods).as("pod processes left behind").noneMatch(ProcessHandle::isAlive));
    assertThat(flycast.process.exitValue()).as("exit code after SIGINT").isIn(0, 130);
  }

  /**
   * kill -9 runs no shutdown hook: the kernel kills each pod with its parent (the parent-death
   * signal), as a dead node takes its pods with it, so the next `make run` finds its ports free.
   */
  @Test
  void aKilledOperatorTakesItsLocalPodsWithIt() throws Exception {
    FlycastProcess flycast =
        FlycastProcess.startEmbedded(
            "--apply", FlycastProcess.repo().resolve("examples").toString());
    ProcessHandle main = flycast.process.toHandle();
    await().atMost(Duration.ofSeconds(60)).until(() -> main.descendants().count() >= 3);
    List<ProcessHandle> pods = main.descendants().toList();

    flycast.process.destroyForcibly(); // SIGKILL

    await().atMost(Duration.ofSeconds(30)).until(() -> !main.isAlive());
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(pods).as("pod processes left behind").noneMatch(ProcessHandle::isAlive));
  }
}
