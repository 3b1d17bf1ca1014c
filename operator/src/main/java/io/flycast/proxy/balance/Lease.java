package io.flycast.proxy.balance;

import io.flycast.catalog.Backend;
import io.flycast.catalog.RouteKey;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One unit of work taken on a backend by {@link Balancer#pick}. Release it exactly when the work
 * ends (connection closed, response finished); releasing twice is harmless.
 */
public final class Lease implements AutoCloseable {
  private final RouteKey route;
  private final Backend backend;
  private final LoadTracker.BackendLoad counter;
  private final LoadTracker tracker;
  private static final VarHandle RELEASED;

  static {
    try {
      RELEASED = MethodHandles.lookup().findVarHandle(Lease.class, "released", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * Set once, by the first release (a field, not an AtomicBoolean: one object less per request).
   */
  @SuppressWarnings("unused")
  private volatile boolean released;

  Lease(RouteKey route, Backend backend, LoadTracker.BackendLoad counter, LoadTracker tracker) {
    this.route = route;
    this.backend = backend;
    this.counter = counter;
    this.tracker = tracker;
  }

  public RouteKey route() {
    return route;
  }

  public Backend backend() {
    return backend;
  }

  /** Gives the unit of work back. Idempotent. */
  public void release() {
    if (RELEASED.compareAndSet(this, false, true)) {
      counter.decrementAndGet();
      counter.touch();
      tracker.released(route, backend);
    }
  }

  @Override
  public void close() {
    release();
  }
}
