package io.flycast.embedded.runtime;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * No pod outlives the runtime that ran it, even when the runtime is killed with SIGKILL and no
 * shutdown hook runs (a node that dies takes its pods with it):
 *
 * <ul>
 *   <li>on Linux each pod starts under {@code setpriv --pdeathsig KILL}, so the kernel kills it
 *       when the runtime's thread that started it goes;
 *   <li>each pod's pid and start time are kept in {@code <logDir>/.pids/}, and the next runtime on
 *       the same directory stops what a previous one left there (a process a pod's shell started,
 *       which the kernel's signal does not reach), matching the start time so that a reused pid is
 *       never touched.
 * </ul>
 */
final class OrphanGuard {
  private static final Logger log = LoggerFactory.getLogger(OrphanGuard.class);
  private static final Path SETPRIV = Path.of("/usr/bin/setpriv");

  private final Path pidDir;
  private final boolean pdeathsig;

  OrphanGuard(Path logDir) {
    this(logDir, Files.isExecutable(SETPRIV));
  }

  OrphanGuard(Path logDir, boolean pdeathsig) {
    this.pidDir = logDir.resolve(".pids");
    this.pdeathsig = pdeathsig;
  }

  /** The command to start: the pod's own, under the kernel's parent-death signal where it can. */
  List<String> command(List<String> podCommand) {
    if (!pdeathsig) {
      return podCommand;
    }
    List<String> wrapped =
        new ArrayList<>(List.of(SETPRIV.toString(), "--pdeathsig", "KILL", "--"));
    wrapped.addAll(podCommand);
    return wrapped;
  }

  /** Records a started pod's process and its descendants to come, by pid and start time. */
  void started(String podKey, Process process) {
    Optional<Instant> start = process.toHandle().info().startInstant();
    try {
      Files.createDirectories(pidDir);
      Files.writeString(
          file(podKey), process.pid() + " " + start.map(Instant::toString).orElse("-") + "\n");
    } catch (IOException e) {
      log.debug("cannot record pod {}'s pid: {}", podKey, e.toString());
    }
  }

  /** The pod's process exited or was stopped: nothing to clean up for it. */
  void exited(String podKey) {
    try {
      Files.deleteIfExists(file(podKey));
    } catch (IOException e) {
      log.debug("cannot remove pod {}'s pid file: {}", podKey, e.toString());
    }
  }

  /**
   * Stops every process a previous runtime on this directory recorded that still runs with the
   * recorded start time (and its descendants); returns how many it stopped.
   */
  int stopLeftovers() {
    if (!Files.isDirectory(pidDir)) {
      return 0;
    }
    int stopped = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(pidDir, "*.pid")) {
      for (Path f : files) {
        if (stop(f)) {
          stopped++;
        }
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      log.warn("cannot read {}: {}", pidDir, e.toString());
    }
    if (stopped > 0) {
      log.info("stopped {} pod process(es) a previous run left running", stopped);
    }
    return stopped;
  }

  private static boolean stop(Path pidFile) throws IOException {
    String[] recorded = Files.readString(pidFile).trim().split(" ");
    if (recorded.length != 2) {
      return false;
    }
    long pid;
    try {
      pid = Long.parseLong(recorded[0]);
    } catch (NumberFormatException e) {
      return false;
    }
    Optional<ProcessHandle> h = ProcessHandle.of(pid);
    if (h.isEmpty()
        || !h.get().isAlive()
        || !h.get().info().startInstant().map(Instant::toString).orElse("-").equals(recorded[1])) {
      return false; // gone, or the pid now belongs to another process
    }
    h.get().descendants().forEach(ProcessHandle::destroyForcibly);
    return h.get().destroyForcibly();
  }

  private Path file(String podKey) {
    return pidDir.resolve(podKey.replace('/', '_') + ".pid");
  }
}
