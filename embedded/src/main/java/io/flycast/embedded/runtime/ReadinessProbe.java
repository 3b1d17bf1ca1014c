package io.flycast.embedded.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The kubelet's readiness prober for one node. A container with no {@code readinessProbe} is Ready
 * once started. One with a probe ({@link ReadinessSpec}) is probed first {@code
 * initialDelaySeconds} after its process started, then every {@code periodSeconds}: it turns Ready
 * after {@code successThreshold} passes in a row and unready again after {@code failureThreshold}
 * failures in a row. An {@code httpGet} passes on a 2xx or 3xx status, a {@code tcpSocket} on a
 * connect, each within {@code timeoutSeconds}. So a pod that listens 300 ms after it starts, with
 * the default period of 10 s, is Ready 10 s after it starts, as on a real node: the delay an
 * autostart has to beat.
 *
 * <p>A probe this runtime cannot run ({@code exec}, {@code grpc}, HTTPS) counts as passing once the
 * process started. Probes run on virtual threads, timed by one scheduler thread, so a slow probe
 * never holds the runtime thread or another pod's probe. The worker stops when its process is no
 * longer the pod's, exited, or the pod is terminating. Each change is told on the runtime thread.
 */
final class ReadinessProbe {
  private final RuntimeLoop loop;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          RuntimeLoop.daemonThreads("flycast-runtime-probe"));

  ReadinessProbe(RuntimeLoop loop) {
    this.loop = loop;
  }

  /**
   * Probes the pod's {@code process} on the kubelet's schedule; runs {@code ready} and {@code
   * unready} on the runtime thread when its readiness changes.
   */
  void start(LocalPod pod, Process process, Runnable ready, Runnable unready) {
    ReadinessSpec spec = pod.readiness;
    if (spec == null || spec.kind() == ReadinessSpec.Kind.UNSUPPORTED) {
      loop.submit(ready);
      return;
    }
    Worker w = new Worker(pod, process, spec, ready, unready);
    w.next(System.nanoTime() + spec.initialDelay().toNanos());
  }

  /** One container's prober; its probes run one at a time, each scheduled by the previous one. */
  private final class Worker {
    private final LocalPod pod;
    private final Process process;
    private final ReadinessSpec spec;
    private final Runnable ready;
    private final Runnable unready;
    private int passes;
    private int failures;
    private boolean isReady;

    Worker(LocalPod pod, Process process, ReadinessSpec spec, Runnable ready, Runnable unready) {
      this.pod = pod;
      this.process = process;
      this.spec = spec;
      this.ready = ready;
      this.unready = unready;
    }

    private boolean current() {
      return !loop.closed() && pod.process == process && !pod.terminating && process.isAlive();
    }

    /** Probes at {@code atNanos}; the tick after is one period later, however long it took. */
    void next(long atNanos) {
      try {
        timer.schedule(
            () -> Thread.ofVirtual().name("flycast-runtime-probe").start(() -> probe(atNanos)),
            Math.max(0, atNanos - System.nanoTime()),
            TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        // closing
      }
    }

    private void probe(long tick) {
      if (!current()) {
        return;
      }
      boolean passed = passes(pod.ip, spec);
      if (!current()) {
        return;
      }
      if (passed) {
        failures = 0;
        if (++passes >= spec.successThreshold() && !isReady) {
          isReady = true;
          loop.submit(ready);
        }
      } else {
        passes = 0;
        if (++failures >= spec.failureThreshold() && isReady) {
          isReady = false;
          loop.submit(unready);
        }
      }
      next(tick + spec.period().toNanos());
    }
  }

  /** One probe, blocking for up to the probe's timeout. */
  static boolean passes(String ip, ReadinessSpec spec) {
    if (spec.port() <= 0) {
      return false;
    }
    int timeout = (int) spec.timeout().toMillis();
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(ip, spec.port()), timeout);
      if (spec.kind() == ReadinessSpec.Kind.TCP) {
        return true;
      }
      s.setSoTimeout(timeout);
      StringBuilder req =
          new StringBuilder("GET ")
              .append(spec.path())
              .append(" HTTP/1.1\r\nHost: ")
              .append(ip)
              .append(':')
              .append(spec.port())
              .append("\r\nUser-Agent: kube-probe/flycast-local\r\nAccept: */*\r\n");
      for (Map.Entry<String, String> h : spec.headers().entrySet()) {
        req.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
      }
      req.append("Connection: close\r\n\r\n");
      OutputStream out = s.getOutputStream();
      out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      int status = status(s.getInputStream());
      return status >= 200 && status < 400;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** The status code of an HTTP/1.x status line ("HTTP/1.1 200 OK"); -1 when there is none. */
  private static int status(InputStream in) throws IOException {
    byte[] line = new byte[12];
    int n = 0;
    while (n < line.length) {
      int r = in.read(line, n, line.length - n);
      if (r < 0) {
        return -1;
      }
      n += r;
    }
    String head = new String(line, StandardCharsets.ISO_8859_1);
    if (!head.startsWith("HTTP/1.")) {
      return -1;
    }
    try {
      return Integer.parseInt(head.substring(9, 12));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  void close() {
    timer.shutdownNow();
  }
}
