package io.flycast.embedded.runtime;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/**
 * The local node's container runtime: starts a pod's container as a local process in its working
 * directory, its output appended to {@code <logDir>/<namespace>_<pod>.log}, under the {@link
 * OrphanGuard} (so that it dies with this JVM, and a later runtime finds it if not), and keeps the
 * set of live processes for a shutdown from any thread.
 */
final class ContainerProcesses {
  /** The environment variable a pod's process finds its launch instant in (ISO-8601). */
  static final String LAUNCHED_AT_ENV = "FLYCAST_LAUNCHED_AT";

  private final Path logDir;
  private final LiveProcesses live = new LiveProcesses();
  private final OrphanGuard orphans;

  ContainerProcesses(Path logDir) {
    this.logDir = logDir;
    this.orphans = new OrphanGuard(logDir);
  }

  /** Stops the pod processes a previous runtime on this log directory left running. */
  void stopLeftovers() {
    orphans.stopLeftovers();
  }

  /**
   * Starts {@code pod}'s container; {@code exited} is told (on a JDK thread) once the process has
   * exited.
   */
  Process start(LocalPod pod, Consumer<Process> exited) throws IOException {
    Path workDir;
    try {
      workDir =
          pod.container.workingDir() != null
              ? Path.of(pod.container.workingDir())
              : Files.createDirectories(logDir.resolve(pod.namespace + "_" + pod.name));
    } catch (IOException e) {
      workDir = logDir;
    }
    File logFile = logDir.resolve(pod.namespace + "_" + pod.name + ".log").toFile();
    ProcessBuilder pb =
        new ProcessBuilder(orphans.command(pod.container.command()))
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile))
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().putAll(pod.container.env());
    // When the kubelet launched it, to the microsecond: the process's own start time is read from
    // /proc against a boot time in whole seconds, too coarse to time a start of a few 100 ms.
    pb.environment().put(LAUNCHED_AT_ENV, Instant.now().toString());
    Process process = pb.start();
    live.add(process);
    orphans.started(pod.key(), process);
    process
        .onExit()
        .thenRun(
            () -> {
              live.remove(process);
              orphans.exited(pod.key());
              exited.accept(process);
            });
    return process;
  }

  List<ProcessHandle> handles() {
    return live.handles();
  }

  /** Every live process and its descendants, as they are now. */
  List<ProcessHandle> trees() {
    return live.trees();
  }

  /** SIGTERM every process and every one in {@code taken}, SIGKILL after {@code grace}. */
  void stopAll(Duration grace, List<ProcessHandle> taken) {
    live.stopAll(grace, taken);
  }
}
