package io.flycast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Ctrl-C on `make run`, or a SIGKILL: everything stops, no pod process is left behind. */
class ShutdownE2E {
  @Test
  void ctrlCStopsTheProcessAndEveryLocalPod() throws Exception {
    // Closed at the end whatever happened: a process left running would load the rest of the run.
    try (FlycastProcess flycast =
        FlycastProcess.startEmbedded(
            "--apply", FlycastProcess.repo().resolve("examples").toString())) {
      ProcessHandle main = flycast.process.toHandle();
      // Wait for the example pods: the local runtime's processes are children of the jar's JVM.
      await().atMost(Duration.ofSeconds(60)).until(() -> main.descendants().count() >= 3);
      List<ProcessHandle> pods = main.descendants().toList();
      assertThat(ignoresSigint(main))
          .as(
              "SIGINT ignored by the process, as by the build that started it (a build started"
                  + " with & from a script, or under nohup, passes that on): Ctrl-C cannot reach"
                  + " it; start the build where SIGINT is not ignored")
          .isFalse();

      new ProcessBuilder("kill", "-INT", Long.toString(main.pid())).start().waitFor();

      awaitGone(main, pods);
      assertThat(flycast.process.exitValue()).as("exit code after SIGINT").isIn(0, 130);
    }
  }

  /** The process exits, and none of its pods' processes is left behind. */
  static void awaitGone(ProcessHandle main, List<ProcessHandle> pods) {
    await().atMost(Duration.ofSeconds(30)).until(() -> !main.isAlive());
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(pods).as("pod processes left behind").noneMatch(ProcessHandle::isAlive));
  }

  /** Whether {@code p} ignores SIGINT (its SigIgn mask in /proc; false where there is none). */
  static boolean ignoresSigint(ProcessHandle p) throws Exception {
    Path status = Path.of("/proc/" + p.pid() + "/status");
    if (!Files.exists(status)) {
      return false;
    }
    return Files.readAllLines(status).stream()
        .filter(l -> l.startsWith("SigIgn:"))
        .map(l -> new BigInteger(l.substring("SigIgn:".length()).trim(), 16))
        .anyMatch(mask -> mask.testBit(1)); // bit n-1 for signal n; SIGINT is 2
  }

  /**
   * kill -9 runs no shutdown hook: the kernel kills each pod with its parent (the parent-death
   * signal), as a dead node takes its pods with it, so the next `make run` finds its ports free.
   */
  @Test
  void aKilledOperatorTakesItsLocalPodsWithIt() throws Exception {
    try (FlycastProcess flycast =
        FlycastProcess.startEmbedded(
            "--apply", FlycastProcess.repo().resolve("examples").toString())) {
      ProcessHandle main = flycast.process.toHandle();
      await().atMost(Duration.ofSeconds(60)).until(() -> main.descendants().count() >= 3);
      List<ProcessHandle> pods = main.descendants().toList();

      flycast.process.destroyForcibly(); // SIGKILL

      awaitGone(main, pods);
    }
  }
}
