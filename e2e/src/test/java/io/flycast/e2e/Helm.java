package io.flycast.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real helm binary that {@code make tools} installs into {@code .tools/bin}. The repo root
 * comes from the {@code flycast.repo} system property, which failsafe sets.
 */
final class Helm {
  private static final long TIMEOUT_SECONDS = 60;

  private final Path binary;
  private final Path workDir;

  private Helm(Path binary, Path workDir) {
    this.binary = binary;
    this.workDir = workDir;
  }

  /** The helm of this checkout; fails with a hint when it has not been installed. */
  static Helm fromRepo(Path repo) {
    Path bin = repo.resolve(".tools/bin/helm");
    assertThat(Files.isExecutable(bin))
        .withFailMessage("no helm at %s: run make tools (./hack/install-tools.sh)", bin)
        .isTrue();
    return new Helm(bin, repo);
  }

  /** The repository root, from the {@code flycast.repo} system property set by failsafe. */
  static Path repoRoot() {
    String repo = System.getProperty("flycast.repo");
    assertThat(repo)
        .withFailMessage("system property flycast.repo is not set (run through mvn verify)")
        .isNotBlank();
    return Path.of(repo).toAbsolutePath().normalize();
  }

  Result run(String... args) {
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
    // Keep helm away from the user's kubeconfig, repositories and plugins: rendering is offline.
    Path home = workDir.resolve("e2e/target/helm-home");
    pb.environment().put("HELM_CONFIG_HOME", home.resolve("config").toString());
    pb.environment().put("HELM_CACHE_HOME", home.resolve("cache").toString());
    pb.environment().put("HELM_DATA_HOME", home.resolve("data").toString());
    pb.environment().put("KUBECONFIG", home.resolve("no-kubeconfig").toString());
    try {
      Process p = pb.start();
      CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
      CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(
            "helm " + String.join(" ", args) + " did not finish in " + TIMEOUT_SECONDS + "s");
      }
      return new Result(p.exitValue(), out.join(), err.join(), String.join(" ", args));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted running helm", e);
    }
  }

  private static String read(java.io.InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Exit code and output of one helm run. */
  record Result(int exitCode, String stdout, String stderr, String command) {
    Result assertSuccess() {
      assertThat(exitCode)
          .withFailMessage("helm %s exited %d:%n%s%n%s", command, exitCode, stderr, stdout)
          .isZero();
      return this;
    }
  }
}
