package io.flycast.proxy.http;

import io.flycast.proxy.ProxyConfig;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * How long a request body may take, after Apache's mod_reqtimeout: the client gets {@link
 * ProxyConfig#bodyReadTimeout()} of waiting in all, plus a second for every {@link
 * ProxyConfig#minBodyRate()} bytes it sent. Only time the proxy spends waiting for the client
 * counts ({@link #waiting()} to {@link #received}): while the backend is slow to take the body, the
 * proxy does not read, and the client is not to blame.
 *
 * <p>Why: a client that trickles its body holds what the request holds, a backend slot among them;
 * a hundred such clients filled a route's concurrency limit, and everyone else got 503. A per-read
 * timeout would not stop a byte every few seconds; a rate does.
 *
 * <p>Used on the exchange's event loop only.
 */
final class BodyPace {
  private final EventExecutor loop;
  private final long allowanceNanos;
  private final long nanosPerByte;
  private final Runnable onTimeout;
  private long bytes;
  private long waitedNanos;

  /** When the current wait began; 0 when not waiting. */
  private long waitStart;

  private ScheduledFuture<?> timer;

  BodyPace(ProxyConfig config, EventExecutor loop, Runnable onTimeout) {
    this.loop = loop;
    this.allowanceNanos = config.bodyReadTimeout().toNanos();
    this.nanosPerByte = TimeUnit.SECONDS.toNanos(1) / config.minBodyRate();
    this.onTimeout = onTimeout;
  }

  /** The proxy asked the client for more of the body. */
  void waiting() {
    if (waitStart != 0) {
      return;
    }
    waitStart = System.nanoTime() | 1; // never 0
    long left = allowanceNanos + bytes * nanosPerByte - waitedNanos;
    timer = loop.schedule(this::expired, Math.max(0, left), TimeUnit.NANOSECONDS);
  }

  /** A piece of the body came: {@code n} bytes. */
  void received(int n) {
    bytes += n;
    if (waitStart != 0) {
      waitedNanos += System.nanoTime() - waitStart;
      stop();
    }
  }

  /** No more waiting: the body is whole, or the exchange is over. */
  void stop() {
    waitStart = 0;
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  private void expired() {
    timer = null;
    if (waitStart != 0) {
      waitStart = 0;
      onTimeout.run();
    }
  }
}
