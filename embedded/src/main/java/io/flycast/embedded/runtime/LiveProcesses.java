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

  /**
   * SIGTERM every process and its descendants (a shell's children would otherwise be left running),
   * SIGKILL what is left after {@code grace}, then wait up to 2s for those to go.
   */
  void stopAll(Duration grace) {
    List<Process> all = new ArrayList<>(processes);
    if (all.isEmpty()) {
      return;
    }
    List<ProcessHandle> handles = new ArrayList<>();
    for (Process p : all) {
      handles.addAll(p.descendants().toList());
      handles.add(p.toHandle());
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
