package io.flycast.proxy.upstream;

import io.flycast.catalog.Backend;
import io.flycast.catalog.Route;
import io.flycast.proxy.ProxyConfig;
import io.flycast.proxy.ProxyContext;
import io.flycast.proxy.ProxyMetrics;
import io.flycast.proxy.balance.CapacityQueue;
import io.flycast.proxy.balance.Lease;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks a backend and connects to it; when the connection fails, picks another one not yet tried,
 * up to {@link ProxyConfig#connectAttempts()}. When every usable backend is at its hard limit,
 * waits in the route's {@link CapacityQueue} for up to {@link ProxyConfig#queueTimeout()}. Never
 * blocks: each attempt continues in the previous one's completion listener or wake-up.
 *
 * <p>Work that was held for a cold start is patient for {@link ProxyConfig#startRetryWindow()}
 * after its release: a connect the new backend refuses (ready by its probe, or by the kubelet
 * without one, but not listening yet) is tried again after a short backoff, since nothing was sent;
 * and when the backends started for it are all at their hard limit it waits for a slot, the next
 * backend being on its way, rather than for the queue timeout and a 503.
 */
public final class BackendDialer {
  private static final Logger log = LoggerFactory.getLogger(BackendDialer.class);

  /** The outcome of dialing. Exactly one method is called, on the connecting event loop. */
  public interface Callback {
    void connected(Lease lease, Channel backend);

    /**
     * @param detail what to tell the client (autostart's reason), or null for the reason's default
     */
    void failed(ProxyMetrics.Unavailable reason, String detail);

    /**
     * Whether this work may wait in the capacity queue when every backend it may use is full. A
     * preference ({@code fly-prefer-*}) says no: other backends are the better wait.
     */
    default boolean mayWaitForCapacity() {
      return true;
    }
  }

  private final ProxyContext px;
  private Route route;
  private final Function<Lease, Future<Channel>> connect;
  private final Callback callback;
  private final Set<String> tried;
  private final Predicate<Backend> filter;
  private final io.netty.util.concurrent.EventExecutor loop;
  private int attempts;
  private boolean waitedForStart;

  /** When the hold for a cold start ended ({@link System#nanoTime()}); meaningful if waited. */
  private long releasedAtNanos;

  /** Connects refused since the release, for the backoff. */
  private int refusals;

  /** Set once this work joined the capacity queue; the same waiter is used for every turn. */
  private CapacityQueue.Waiter waiter;

  /** In the queue (or a wake for it is on its way). Event-loop confined like the rest. */
  private boolean waiting;

  /**
   * When this work joined the queue (its first turn); 0 when not queued. The timer runs meanwhile.
   */
  private long queuedAtNanos;

  private ScheduledFuture<?> queueTimer;
  private boolean cancelled;

  private BackendDialer(
      ProxyContext px,
      Route route,
      Set<String> tried,
      Predicate<Backend> filter,
      Function<Lease, Future<Channel>> connect,
      Callback cb,
      io.netty.util.concurrent.EventExecutor loop) {
    this.loop = loop;
    this.px = px;
    this.route = route;
    this.tried = tried;
    this.filter = filter;
    this.connect = connect;
    this.callback = cb;
  }

  /**
   * Dials {@code route}. {@code connect} opens (or reuses) a connection to the lease's backend.
   * {@code tried} names backends to skip; it gains every backend attempted.
   */
  public static BackendDialer dial(
      ProxyContext px,
      Route route,
      Set<String> tried,
      Function<Lease, Future<Channel>> connect,
      Callback cb,
      io.netty.util.concurrent.EventExecutor loop) {
    return dial(px, route, tried, b -> true, connect, cb, loop);
  }

  /**
   * Like {@link #dial(ProxyContext, Route, Set, Function, Callback,
   * io.netty.util.concurrent.EventExecutor)}, among backends passing {@code filter}.
   */
  public static BackendDialer dial(
      ProxyContext px,
      Route route,
      Set<String> tried,
      Predicate<Backend> filter,
      Function<Lease, Future<Channel>> connect,
      Callback cb,
      io.netty.util.concurrent.EventExecutor loop) {
    BackendDialer d = new BackendDialer(px, route, tried, filter, connect, cb, loop);
    d.attempt();
    return d;
  }

  public static BackendDialer dial(
      ProxyContext px,
      Route route,
      Function<Lease, Future<Channel>> connect,
      Callback cb,
      io.netty.util.concurrent.EventExecutor loop) {
    return dial(px, route, new HashSet<>(), connect, cb, loop);
  }

  /**
   * The work went away (its client closed, or it gave up): leave the capacity queue at once, so
   * gone clients do not fill it, and try nothing more. A connect already under way still completes
   * through the callback, which must then let the connection go. Call on the loop.
   */
  public void cancel() {
    if (cancelled) {
      return;
    }
    cancelled = true;
    if (waiting) {
      leaveQueue();
    } else {
      leftQueue();
    }
  }

  /**
   * Autostart: asks for a backend and resumes dialing, on this event loop, when one is ready.
   * Nothing is read from the client meanwhile (its channel is not reading), so the request waits in
   * the socket buffer, not in memory. Returns false when the route does not autostart.
   */
  private boolean holdForStart() {
    var ready = px.starter().awaitReady(route.key());
    if (ready == null) {
      return false;
    }
    waitedForStart = true;
    ready.whenComplete(
        (r, e) ->
            loop.execute(
                () -> {
                  if (e != null) {
                    Throwable cause =
                        e instanceof java.util.concurrent.CompletionException
                                && e.getCause() != null
                            ? e.getCause()
                            : e;
                    callback.failed(ProxyMetrics.Unavailable.NOT_STARTED, cause.getMessage());
                  } else {
                    route = r;
                    releasedAtNanos = System.nanoTime();
                    attempt();
                  }
                }));
    return true;
  }

  /**
   * Ready, not cordoned and passing its health checks: a backend being drained by autostop or
   * failing its checks takes nothing new, so when none is left the client hears "no backend is
   * ready" rather than "at capacity".
   */
  private boolean usable(Backend b) {
    return b.acceptsNewWork()
        && !px.balancer().tracker().isCordoned(route.key(), b.name())
        && px.balancer().health().healthy(route.key(), b.name());
  }

  private void attempt() {
    if (cancelled) {
      return;
    }
    Lease lease = px.balancer().pick(route, tried, filter);
    if (lease == null) {
      // Whether any backend is usable, whether one of those may take this work, and whether one
      // of those is still untried (one pass; not needed once a connect has failed).
      boolean anyUsable = false;
      boolean anyAllowed = false;
      boolean anyUntried = false;
      if (attempts == 0) {
        for (Backend b : route.backends()) {
          if (!usable(b)) {
            continue;
          }
          anyUsable = true;
          if (filter.test(b)) {
            anyAllowed = true;
            if (!tried.contains(b.name())) {
              anyUntried = true;
              break;
            }
          }
        }
      }
      ProxyMetrics.Unavailable reason;
      if (attempts > 0) {
        reason = ProxyMetrics.Unavailable.CONNECT_FAILED;
      } else if (!anyAllowed) {
        reason = ProxyMetrics.Unavailable.NO_BACKENDS;
        if (!waitedForStart && !anyUsable && holdForStart()) {
          return;
        }
      } else if (!anyUntried) {
        // Every usable backend was tried already (it failed this request): waiting for one of
        // them to free a slot would not help.
        reason = ProxyMetrics.Unavailable.CONNECT_FAILED;
      } else {
        reason = ProxyMetrics.Unavailable.AT_CAPACITY;
        if (waitForSlot()) {
          return;
        }
      }
      leftQueue();
      callback.failed(reason, null);
      return;
    }
    leftQueue();
    connect(lease);
  }

  private void connect(Lease lease) {
    attempts++;
    tried.add(lease.backend().name());
    connect
        .apply(lease)
        .addListener(
            f -> {
              if (f.isSuccess()) {
                callback.connected(lease, (Channel) f.getNow());
                return;
              }
              lease.release();
              px.metrics().connectFailed(route.key());
              log.debug(
                  "connect to {} of {} failed: {}",
                  lease.backend().name(),
                  route.key(),
                  f.cause().toString());
              if (f.cause() instanceof java.net.ConnectException && retryRefused(lease)) {
                return;
              }
              if (attempts >= px.config().connectAttempts()) {
                callback.failed(ProxyMetrics.Unavailable.CONNECT_FAILED, null);
              } else {
                attempt();
              }
            });
  }

  /**
   * A backend just started for this work refused the connect: nothing was sent, so try again after
   * a backoff (10 ms doubling to 200 ms), as long as the start retry window lasts; that try does
   * not count against {@link ProxyConfig#connectAttempts()}.
   *
   * @return whether a retry is scheduled
   */
  private boolean retryRefused(Lease lease) {
    long left = startWindowLeftNanos();
    if (left <= 0 || cancelled) {
      return false;
    }
    attempts--;
    tried.remove(lease.backend().name());
    long backoff = Math.min(200, 10L << Math.min(refusals++, 5));
    loop.schedule(
        () -> {
          Route now = px.catalog().current().route(route.key());
          if (now != null) {
            route = now;
          }
          attempt();
        },
        Math.min(backoff, TimeUnit.NANOSECONDS.toMillis(left) + 1),
        TimeUnit.MILLISECONDS);
    return true;
  }

  /** What is left of the start retry window; zero or less when this work was not held. */
  private long startWindowLeftNanos() {
    return waitedForStart
        ? px.config().startRetryWindow().toNanos() - (System.nanoTime() - releasedAtNanos)
        : 0;
  }

  /**
   * Every usable backend is at its hard limit: wait for a released slot, up to the queue timeout,
   * holding nothing but this dialer (the client is not read meanwhile).
   *
   * @return whether this took the work over: it waits, was dialed after all, or was refused because
   *     the route's queue is full; false when it may not wait (queueing off, or the caller's
   *     choice), and the caller refuses it
   */
  private boolean waitForSlot() {
    Duration timeout = px.config().queueTimeout();
    long startLeft = startWindowLeftNanos();
    if (startLeft > timeout.toNanos()) {
      timeout = Duration.ofNanos(startLeft); // released by a cold start: more backends are coming
    }
    if (timeout.isZero() || !callback.mayWaitForCapacity()) {
      return false;
    }
    if (waiter == null) {
      // Read from other threads: a snapshot (the set does not change while waiting anyway).
      Set<String> triedNow = Set.copyOf(tried);
      waiter =
          new CapacityQueue.Waiter() {
            @Override
            public void wake() {
              try {
                loop.execute(BackendDialer.this::woken);
              } catch (RejectedExecutionException e) {
                // The event loop shut down (the proxy stopped): the work waiting on it is gone too.
              }
            }

            @Override
            public boolean accepts(Backend b) {
              return filter.test(b) && !triedNow.contains(b.name());
            }
          };
    }
    // Woken but beaten to the slot by newer work: back to the front, keeping its turn.
    boolean keepTurn = queuedAtNanos != 0;
    if (!px.queue().add(route.key(), waiter, keepTurn)) {
      leftQueue();
      callback.failed(
          ProxyMetrics.Unavailable.AT_CAPACITY,
          "every backend of "
              + route.key().flycastHostname()
              + " is at its concurrency limit and its queue ("
              + px.config().maxQueuedPerRoute()
              + " waiting) is full");
      return true;
    }
    if (!keepTurn) {
      queuedAtNanos = System.nanoTime();
      queueTimer = loop.schedule(this::queueTimedOut, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }
    waiting = true;
    // A slot freed between the failed pick and joining the queue woke nobody: look once more.
    Lease lease = px.balancer().pick(route, tried, filter);
    if (lease != null) {
      leaveQueue();
      connect(lease);
    }
    return true;
  }

  /** A slot was freed for this work (on the dialer's event loop). */
  private void woken() {
    if (!waiting) {
      px.queue().slotFreed(route.key(), null); // not ours any more: the next waiter may take it
      return;
    }
    waiting = false;
    // Time has passed: the backends may have changed (scaled up, recovered) since the dial began.
    Route now = px.catalog().current().route(route.key());
    if (now != null) {
      route = now;
    }
    attempt();
  }

  private void queueTimedOut() {
    if (!waiting) {
      return;
    }
    leaveQueue();
    callback.failed(
        ProxyMetrics.Unavailable.AT_CAPACITY,
        "every backend of "
            + route.key().flycastHostname()
            + " stayed at its concurrency limit for "
            + px.config().queueTimeout().toMillis()
            + " ms");
  }

  /** Out of the queue (if already taken out, woken() hands its wake on), and the wait counted. */
  private void leaveQueue() {
    waiting = false;
    px.queue().remove(route.key(), waiter);
    leftQueue();
  }

  /** Ends this work's time in the queue, if it had any: the wait is counted once. */
  private void leftQueue() {
    if (queuedAtNanos == 0) {
      return;
    }
    queueTimer.cancel(false);
    px.metrics().queueWait(route.key(), System.nanoTime() - queuedAtNanos);
    queuedAtNanos = 0;
  }
}
