package io.flycast.embedded.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The processes the runtime started that have not exited yet, so that closing the runtime, or the
 * JVM exiting, leaves none behind: no pod may outlive the node that ran it. Safe from any thread,
 * the shutdown hook's included.
 */
final class LiveProcesses {
  private final Set<Process> processes = ConcurrentHashMap.newKeySet();

  void add(Process process) {
    processes.add(process);
  }

  void remove(Process process) {
    processes.remove(process);
  }

  List<ProcessHandle> handles() {
    return processes.stream().map(Process::toHandle).toList();
  }

  /** Every process and its descendants, as they are now. */
  List<ProcessHandle> trees() {
    List<ProcessHandle> handles = new ArrayList<>();
    for (Process p : processes) {
      handles.addAll(p.descendants().toList());
      handles.add(p.toHandle());
    }
    return handles;
  }

  /**
   * SIGTERM every process and its descendants (a shell's children would otherwise be left running),
   * and those in {@code taken} (trees taken earlier, whose roots may be gone since), SIGKILL what
   * is left after {@code grace}, then wait up to 2s for those to go.
   */
  void stopAll(Duration grace, List<ProcessHandle> taken) {
    List<Process> all = new ArrayList<>(processes);
    List<ProcessHandle> handles = new ArrayList<>(taken);
    handles.addAll(trees());
    if (handles.isEmpty()) {
      return;
    }
    handles.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + grace.toNanos();
    for (ProcessHandle h : handles) {
      waitFor(h, deadline);
    }
    handles.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    long killDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    for (ProcessHandle h : handles) {
      waitFor(h, killDeadline);
    }
    processes.removeAll(all);
  }

  private static void waitFor(ProcessHandle h, long deadlineNanos) {
    long left = deadlineNanos - System.nanoTime();
    if (left <= 0 || !h.isAlive()) {
      return;
    }
    try {
      h.onExit().get(left, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // still alive: killed next
    }
  }
}
