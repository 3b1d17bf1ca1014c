package io.flycast.embedded.runtime;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.flycast.embedded.echo.EchoBackend;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a pod's process runs, as the kubelet and the container runtime work it out from the first
 * container: its {@code command} + {@code args} with {@code $(VAR)} expanded as Kubernetes does,
 * or, when it has neither, the built-in {@link EchoBackend} in a new JVM (with no image there is no
 * entrypoint to fall back on). The environment is the container's literal env values plus what the
 * pod knows of itself: {@code PORT}, {@code POD_NAME}, {@code POD_IP}, {@code POD_NAMESPACE} and
 * {@code BIND_ADDRESS}; the echo backend also gets its start delay and grace period.
 *
 * @param workingDir the container's {@code workingDir}, or null when it has none
 */
record ContainerCommand(List<String> command, Map<String, String> env, String workingDir) {
  private static final Logger log = LoggerFactory.getLogger(ContainerCommand.class);

  /** Delays the echo backend's listening, to emulate a slow cold start ("2s", "500ms"). */
  static final String START_DELAY_ANNOTATION = "fly.io/start-delay";

  /**
   * How long after listening the echo backend's {@code GET /ready} still fails ("2s"): an app that
   * accepts connections before it can serve.
   */
  static final String READY_DELAY_ANNOTATION = "fly.io/ready-delay";

  /**
   * A test workload's start delay: whole seconds or milliseconds. The stand-in cluster depends on
   * no Flycast module, so it reads this one annotation itself rather than through the catalog's
   * duration grammar.
   */
  private static final Pattern DELAY = Pattern.compile("(\\d{1,9})(ms|s)");

  private static final Pattern VAR_REF =
      Pattern.compile("\\$\\$|\\$\\(([A-Za-z_][A-Za-z0-9_.-]*)\\)");

  static ContainerCommand of(
      Container c,
      String namespace,
      String podName,
      String ip,
      int port,
      Map<String, String> annotations,
      long graceSeconds) {
    Map<String, String> env = new LinkedHashMap<>();
    if (c.getEnv() != null) {
      for (EnvVar e : c.getEnv()) {
        if (e.getValue() != null) {
          env.put(e.getName(), expand(e.getValue(), env));
        }
      }
    }
    env.put("PORT", Integer.toString(port));
    env.put("POD_NAME", podName);
    env.put("POD_IP", ip);
    env.put("POD_NAMESPACE", namespace);
    env.put("BIND_ADDRESS", ip);
    List<String> command = new ArrayList<>();
    boolean custom =
        (c.getCommand() != null && !c.getCommand().isEmpty())
            || (c.getArgs() != null && !c.getArgs().isEmpty());
    if (custom) {
      // No image to take an entrypoint from: args alone are the command line.
      if (c.getCommand() != null) {
        c.getCommand().forEach(s -> command.add(expand(s, env)));
      }
      if (c.getArgs() != null) {
        c.getArgs().forEach(s -> command.add(expand(s, env)));
      }
    } else {
      command.addAll(echoCommand());
      env.put(
          "START_DELAY_MS",
          Long.toString(parseDelay(annotations.get(START_DELAY_ANNOTATION)).toMillis()));
      env.put(
          "READY_DELAY_MS",
          Long.toString(parseDelay(annotations.get(READY_DELAY_ANNOTATION)).toMillis()));
      env.put("GRACE_SECONDS", Long.toString(graceSeconds));
    }
    String workingDir =
        c.getWorkingDir() == null || c.getWorkingDir().isBlank() ? null : c.getWorkingDir();
    return new ContainerCommand(List.copyOf(command), Map.copyOf(env), workingDir);
  }

  /** The echo backend in a JVM of its own, sized to start fast and stay small. */
  private static List<String> echoCommand() {
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    return List.of(
        java,
        "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC",
        "-Xmx48m",
        "-Xss512k",
        "-XX:-UsePerfData",
        "-cp",
        absoluteClassPath(),
        EchoBackend.class.getName());
  }

  /** This JVM's classpath with absolute entries: pods run in their own working directories. */
  private static String absoluteClassPath() {
    StringBuilder sb = new StringBuilder();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (entry.isEmpty()) {
        continue;
      }
      if (!sb.isEmpty()) {
        sb.append(File.pathSeparatorChar);
      }
      sb.append(entry.endsWith("*") ? entry : Path.of(entry).toAbsolutePath().toString());
    }
    return sb.toString();
  }

  /**
   * Kubernetes' {@code $(VAR)} expansion: defined variables are replaced, {@code $$} is a literal
   * {@code $}.
   */
  static String expand(String s, Map<String, String> env) {
    Matcher m = VAR_REF.matcher(s);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String replacement;
      if (m.group(1) == null) {
        replacement = "$";
      } else {
        replacement = env.getOrDefault(m.group(1), m.group());
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  /**
   * The start delay annotation ("2s", "500ms"); anything unreadable is no delay, with a warning.
   */
  static Duration parseDelay(String text) {
    if (text == null || text.isBlank()) {
      return Duration.ZERO;
    }
    Matcher m = DELAY.matcher(text.trim());
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return m.group(2).equals("ms") ? Duration.ofMillis(n) : Duration.ofSeconds(n);
    }
    log.warn("ignoring a delay annotation: '{}' is not a delay like 2s or 500ms", text);
    return Duration.ZERO;
  }
}
