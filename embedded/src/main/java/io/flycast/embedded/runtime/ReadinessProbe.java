package io.flycast.embedded.runtime;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The kubelet's readiness probe, as a {@code tcpSocket} probe on the pod's port: a connect to the
 * pod's address, retried with a backoff (25 ms doubling up to 500 ms) until one succeeds; then the
 * supervisor is told, once, on the runtime thread. Probes run on a thread of their own so that a
 * slow connect never holds the runtime thread. A probe gives up when its process is no longer the
 * pod's, exited, or the pod is terminating.
 */
final class ReadinessProbe {
  private final RuntimeLoop loop;
  private final ScheduledExecutorService probes =
      Executors.newScheduledThreadPool(1, RuntimeLoop.daemonThreads("flycast-runtime-probe"));

  ReadinessProbe(RuntimeLoop loop) {
    this.loop = loop;
  }

  /**
   * Probes the pod's {@code process} until it accepts a connection, then runs {@code ready} on the
   * runtime thread.
   */
  void start(LocalPod pod, Process process, Runnable ready) {
    probe(pod, process, ready, 0);
  }

  private void probe(LocalPod pod, Process process, Runnable ready, int attempt) {
    if (loop.closed()) {
      return;
    }
    try {
      probes.schedule(
          () -> {
            if (loop.closed() || pod.process != process || pod.terminating || !process.isAlive()) {
              return;
            }
            try (Socket s = new Socket()) {
              s.connect(new InetSocketAddress(pod.ip, pod.port), 500);
            } catch (IOException e) {
              probe(pod, process, ready, attempt + 1);
              return;
            }
            loop.submit(ready);
          },
          attempt == 0 ? 0 : Math.min(500, 25L << Math.min(attempt, 5)),
          TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  void close() {
    probes.shutdownNow();
  }
}
