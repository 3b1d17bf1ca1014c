package io.flycast.proxy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server from Debian's {@code postgresql} package, on 127.0.0.1 with trust
 * authentication, and a way to run {@code psql} against any host and port.
 */
final class PostgresServer implements AutoCloseable {
  private static final String TOOLS_HINT =
      " (run `make tools`, which installs postgresql and postgresql-client)";

  private final Path bin;
  private final Path dir;
  private final Path data;
  final int port;

  private PostgresServer(Path bin, Path dir, int port) {
    this.bin = bin;
    this.dir = dir;
    this.data = dir.resolve("data");
    this.port = port;
  }

  /** Creates a cluster in a temp dir and starts it on {@code port}. */
  static PostgresServer start(int port) throws IOException, InterruptedException {
    Path bin = findBin();
    Path dir = Files.createTempDirectory("flycast-pg");
    if (isRoot()) {
      // initdb and postgres refuse to run as root; the Debian package creates the postgres user.
      run(List.of("chown", "postgres:", dir.toString()), Map.of(), 10);
    }
    PostgresServer pg = new PostgresServer(bin, dir, port);
    pg.asOwner(
        List.of(
            bin.resolve("initdb").toString(),
            "-D",
            pg.data.toString(),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync"),
        120);
    pg.asOwner(
        List.of(
            bin.resolve("pg_ctl").toString(),
            "-D",
            pg.data.toString(),
            "-l",
            dir.resolve("log").toString(),
            "-o",
            "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off",
            "-w",
            "-t",
            "60",
            "start"),
        90);
    return pg;
  }

  /**
   * Runs {@code psql} with a connection string; returns stdout and stderr, failing on a non-zero
   * exit.
   */
  static String psql(String conninfo, String command) throws IOException, InterruptedException {
    requireTool("psql");
    return run(
        List.of("psql", "-X", "-A", "-t", conninfo, "-c", command),
        Map.of("PGCONNECT_TIMEOUT", "10"),
        30);
  }

  @Override
  public void close() throws IOException, InterruptedException {
    asOwner(
        List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "stop"),
        30);
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
    }
  }

  private String asOwner(List<String> command, int timeoutSeconds)
      throws IOException, InterruptedException {
    List<String> full = new ArrayList<>();
    if (isRoot()) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(command);
    return run(full, Map.of(), timeoutSeconds);
  }

  private static Path findBin() throws IOException {
    Path root = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(root)) {
      try (Stream<Path> versions = Files.list(root)) {
        var found =
            versions
                .map(v -> v.resolve("bin"))
                .filter(b -> Files.isExecutable(b.resolve("initdb")))
                .max(Path::compareTo);
        if (found.isPresent()) {
          return found.get();
        }
      }
    }
    throw new IllegalStateException(
        "no PostgreSQL server under /usr/lib/postgresql/*/bin" + TOOLS_HINT);
  }

  private static void requireTool(String tool) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("sh", "-c", "command -v " + tool).start();
    if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(tool + " not found" + TOOLS_HINT);
    }
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  private static String run(List<String> command, Map<String, String> env, int timeoutSeconds)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    // Read before waiting: a full pipe would block the child.
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("timed out: " + command);
    }
    String text = new String(out, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IllegalStateException(command + " exited " + p.exitValue() + ": " + text);
    }
    return text;
  }
}
