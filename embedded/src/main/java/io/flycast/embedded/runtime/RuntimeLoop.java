package io.flycast.embedded.runtime;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime's one thread, as a controller's work queue: informer events, reconciliations, process
 * exits and the API writes they cause all run here, one at a time, so that the state of workloads,
 * pods and published slices needs no locks. A task that fails is logged and the loop goes on. Once
 * closed, tasks are dropped, both those submitted and those still waiting.
 */
final class RuntimeLoop {
  private static final Logger log = LoggerFactory.getLogger(RuntimeLoop.class);

  private final ScheduledThreadPoolExecutor thread =
      new ScheduledThreadPoolExecutor(1, daemonThreads("flycast-runtime"));
  private volatile boolean closed;

  RuntimeLoop() {
    // Closing drops the timers (a SIGKILL after a grace period, a restart backoff): they would be
    // no-ops, and by default a shut-down executor waits for them to come due.
    thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  boolean closed() {
    return closed;
  }

  void submit(Runnable task) {
    submitLater(task, 0);
  }

  void submitLater(Runnable task, long delayMillis) {
    if (closed) {
      return;
    }
    Runnable safe =
        () -> {
          if (closed) {
            return;
          }
          try {
            task.run();
          } catch (RuntimeException e) {
            log.warn("local runtime task failed", e);
          }
        };
    try {
      if (delayMillis <= 0) {
        thread.execute(safe);
      } else {
        thread.schedule(safe, delayMillis, TimeUnit.MILLISECONDS);
      }
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  /**
   * An informer handler that runs {@code action} for every add, update and delete, on this thread.
   */
  <T extends HasMetadata> ResourceEventHandler<T> onEveryChange(Consumer<T> action) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        submit(() -> action.accept(obj));
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        submit(() -> action.accept(newObj));
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        submit(() -> action.accept(obj));
      }
    };
  }

  /** Drops every task from now on, and waits up to 5s for the one running to finish. */
  void close() {
    closed = true;
    thread.shutdown();
    try {
      if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
        thread.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      thread.shutdownNow();
    }
  }

  /** Daemon threads: a runtime left open must not keep the JVM alive. */
  static ThreadFactory daemonThreads(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
