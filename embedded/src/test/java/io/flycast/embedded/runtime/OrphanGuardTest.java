package io.flycast.embedded.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a previous runtime left running is stopped by the next one, and nothing else is. */
class OrphanGuardTest {
  @TempDir Path dir;
  private Process sleeper;

  @AfterEach
  void stopSleeper() {
    if (sleeper != null) {
      sleeper.destroyForcibly();
    }
  }

  @Test
  void theNextRuntimeStopsAPodAPreviousOneLeftRunning() throws Exception {
    sleeper = new ProcessBuilder("sleep", "600").start();
    new OrphanGuard(dir, false).started("shop/web-1", sleeper);

    assertThat(new OrphanGuard(dir, false).stopLeftovers()).isEqualTo(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> !sleeper.isAlive());
    assertThat(new OrphanGuard(dir, false).stopLeftovers()).as("recorded once").isZero();
  }

  @Test
  void aPidNowHeldByAnotherProcessIsNeverTouched() throws Exception {
    sleeper = new ProcessBuilder("sleep", "600").start();
    Files.createDirectories(dir.resolve(".pids"));
    // Same pid, another start time: the recorded pod is gone and the pid was reused.
    Files.writeString(
        dir.resolve(".pids/shop_web-1.pid"), sleeper.pid() + " 2001-01-01T00:00:00Z\n");

    assertThat(new OrphanGuard(dir, false).stopLeftovers()).isZero();
    assertThat(sleeper.isAlive()).isTrue();
  }

  @Test
  void aPodThatExitedLeavesNothingToStop() throws Exception {
    sleeper = new ProcessBuilder("sleep", "600").start();
    OrphanGuard guard = new OrphanGuard(dir, false);
    guard.started("shop/web-1", sleeper);
    guard.exited("shop/web-1");

    assertThat(new OrphanGuard(dir, false).stopLeftovers()).isZero();
    assertThat(sleeper.isAlive()).isTrue();
  }

  @Test
  void podsRunUnderTheParentDeathSignalWhereTheHostHasIt() {
    assertThat(new OrphanGuard(dir, true).command(List.of("java", "-jar", "app.jar")))
        .containsExactly(
            "/usr/bin/setpriv", "--pdeathsig", "KILL", "--", "java", "-jar", "app.jar");
    assertThat(new OrphanGuard(dir, false).command(List.of("app"))).containsExactly("app");
  }
}
