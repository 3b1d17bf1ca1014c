package io.flycast.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.embedded.EmbeddedApiServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The real kubectl ({@code .tools/bin}, {@code make tools}) against one embedded API, and helm
 * against the same.
 */
final class Kubectl {
  private final Path binary;
  private final Path dir;
  private final Path kubeconfig;

  /** What one command did. */
  record Out(int exit, String stdout, String stderr) {
    String all() {
      return stdout + stderr;
    }

    Out ok() {
      assertThat(exit).as(all()).isZero();
      return this;
    }
  }

  Kubectl(EmbeddedApiServer api, Path dir) {
    this(api.writeKubeconfig(dir.resolve("kubeconfig")), dir);
  }

  /** kubectl against the cluster {@code kubeconfig} names (a launcher's, as after make run). */
  Kubectl(Path kubeconfig, Path dir) {
    this.binary = Helm.repoRoot().resolve(".tools/bin/kubectl");
    this.dir = dir;
    this.kubeconfig = kubeconfig;
  }

  private ProcessBuilder command(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(binary.toString());
    cmd.add("--kubeconfig");
    cmd.add(kubeconfig.toString());
    cmd.add("--cache-dir");
    cmd.add(dir.resolve("kube-cache").toString());
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).directory(dir.toFile());
  }

  /** Runs kubectl to its end (at most a minute: a hang fails the test). */
  Out run(String... args) throws Exception {
    return run(Map.of(), args);
  }

  /** Runs kubectl to its end with {@code env} added to its environment (EDITOR, for edit). */
  Out run(Map<String, String> env, String... args) throws Exception {
    ProcessBuilder pb = command(args);
    pb.environment().putAll(env);
    return finish(pb, "kubectl", args);
  }

  /**
   * Runs the real helm ({@code .tools/bin}) to its end against the same cluster, its config, cache
   * and data kept in this directory.
   */
  Out helm(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(binary.resolveSibling("helm").toString());
    cmd.add("--kubeconfig");
    cmd.add(kubeconfig.toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    pb.environment().put("HELM_CONFIG_HOME", dir.resolve("helm/config").toString());
    pb.environment().put("HELM_CACHE_HOME", dir.resolve("helm/cache").toString());
    pb.environment().put("HELM_DATA_HOME", dir.resolve("helm/data").toString());
    return finish(pb, "helm", args);
  }

  /** Starts {@code pb} and waits for its end (at most a minute: a hang fails the test). */
  private static Out finish(ProcessBuilder pb, String tool, String... args) throws Exception {
    Process p = pb.start();
    CompletableFuture<byte[]> out =
        CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
    CompletableFuture<byte[]> err =
        CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(tool + " hung: " + String.join(" ", args));
    }
    return new Out(
        p.exitValue(),
        new String(out.get(), StandardCharsets.UTF_8),
        new String(err.get(), StandardCharsets.UTF_8));
  }

  /** Starts a kubectl that runs until stopped (a watch), its stdout and stderr into {@code out}. */
  Process start(Path out, String... args) throws IOException {
    return command(args).redirectErrorStream(true).redirectOutput(out.toFile()).start();
  }

  Path file(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }

  private static byte[] readAll(InputStream in) {
    try {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
