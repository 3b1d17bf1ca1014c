package io.flycast.proxy.http;

import io.flycast.catalog.Backend;
import io.flycast.proxy.balance.Lease;
import io.flycast.proxy.upstream.BackendConnectionPool;
import io.flycast.proxy.upstream.BackendHandler;
import io.netty.channel.Channel;

/**
 * The backend an exchange holds: its lease (the backend's load slot) and the connection, from the
 * pool and back to it. The lease is remembered after release: it still says which backend the
 * request went to (a retry that may try it again, a replay's {@code fly-replay-src}).
 *
 * <p>Load: the lease is held for the exchange, whatever the route's concurrency type. A backend
 * HTTP/1.1 connection carries one request at a time, so in-flight requests and busy backend
 * connections are the same count; idle pooled connections count as nothing.
 *
 * <p>Event-loop confined, like the exchange that owns it.
 */
final class BackendLink {
  private final BackendConnectionPool pool;
  private Lease lease;
  private Channel channel;

  BackendLink(BackendConnectionPool pool) {
    this.pool = pool;
  }

  /** Holds {@code ch} under {@code l}, its messages going to {@code listener}. */
  void attach(Lease l, Channel ch, BackendHandler.Listener listener) {
    lease = l;
    channel = ch;
    BackendHandler.of(ch).attach(listener);
  }

  /** The connection; null when none is held. */
  Channel channel() {
    return channel;
  }

  /** The backend last connected to; null before any. */
  Backend backend() {
    return lease == null ? null : lease.backend();
  }

  /** Whether the connection held came from the pool (it may have gone stale there). */
  boolean reused() {
    return channel != null && BackendHandler.of(channel).reused();
  }

  /** Gives back the lease and the connection, to the pool's idle set when {@code reusable}. */
  void release(boolean reusable) {
    if (lease != null) {
      lease.release();
    }
    if (channel != null) {
      Channel ch = channel;
      channel = null;
      pool.release(ch, reusable);
    }
  }

  /** Hands the lease over (to the relay of an upgraded connection): released elsewhere now. */
  Lease handOver() {
    Lease held = lease;
    lease = null;
    channel = null;
    return held;
  }
}
