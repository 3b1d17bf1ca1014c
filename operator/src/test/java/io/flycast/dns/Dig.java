package io.flycast.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real {@code dig} binary against a local server. */
final class Dig {
  private final String binary;
  private final int port;

  Dig(int port) {
    this.binary = find();
    this.port = port;
  }

  /** Runs {@code dig @127.0.0.1 -p PORT <args>} and returns its standard output. */
  String run(String... args) throws IOException, InterruptedException {
    List<String> cmd =
        new ArrayList<>(
            List.of(binary, "@127.0.0.1", "-p", Integer.toString(port), "+time=3", "+tries=1"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    boolean done = p.waitFor(30, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly();
      fail("dig did not finish: " + cmd);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("dig exit status for %s, output:%n%s", cmd, out).isZero();
    return out;
  }

  /** {@code +short} output as lines. */
  List<String> shortAnswer(String... args) throws IOException, InterruptedException {
    List<String> all = new ArrayList<>(List.of("+short"));
    all.addAll(List.of(args));
    return run(all.toArray(String[]::new))
        .lines()
        .map(String::strip)
        .filter(l -> !l.isEmpty())
        .toList();
  }

  /** The {@code status:} of the response header, e.g. {@code NXDOMAIN}. */
  String status(String... args) throws IOException, InterruptedException {
    List<String> all = new ArrayList<>(List.of("+noall", "+comments"));
    all.addAll(List.of(args));
    String out = run(all.toArray(String[]::new));
    for (String line : out.lines().toList()) {
      int i = line.indexOf("status: ");
      if (i >= 0) {
        return line.substring(i + "status: ".length()).split(",")[0].strip();
      }
    }
    return fail("no status in dig output:%n%s", out);
  }

  private static String find() {
    List<Path> dirs = new ArrayList<>();
    for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (!d.isEmpty()) {
        dirs.add(Path.of(d));
      }
    }
    // The Makefile puts the repository's .tools/bin on PATH; tests run from operator/.
    dirs.add(Path.of("..", ".tools", "bin"));
    dirs.add(Path.of(".tools", "bin"));
    for (Path d : dirs) {
      Path dig = d.resolve("dig");
      if (Files.isExecutable(dig)) {
        return dig.toString();
      }
    }
    return fail(
        "the dig binary is not installed (looked on PATH and in .tools/bin): run `make tools`");
  }
}
