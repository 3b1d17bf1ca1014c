package io.flycast.proxy;

import io.flycast.catalog.Backend;
import io.flycast.catalog.Route;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks a backend and connects to it; when the connection fails, picks another one not yet tried,
 * up to {@link ProxyConfig#connectAttempts()}. Never blocks: each attempt continues in the
 * previous one's completion listener.
 */
final class BackendDialer {
  private static final Logger log = LoggerFactory.getLogger(BackendDialer.class);

  /** The outcome of dialing. Exactly one method is called, on the connecting event loop. */
  interface Callback {
    void connected(Lease lease, Channel backend);

    /**
     * @param detail what to tell the client (autostart's reason), or null for the reason's default
     */
    void failed(ProxyMetrics.Unavailable reason, String detail);
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
  static void dial(
      ProxyContext px, Route route, Set<String> tried, Function<Lease, Future<Channel>> connect, Callback cb,
      io.netty.util.concurrent.EventExecutor loop) {
    dial(px, route, tried, b -> true, connect, cb, loop);
  }

  /** Like {@link #dial(ProxyContext, Route, Set, Function, Callback)}, among backends passing {@code filter}. */
  static void dial(
      ProxyContext px,
      Route route,
      Set<String> tried,
      Predicate<Backend> filter,
      Function<Lease, Future<Channel>> connect,
      Callback cb,
      io.netty.util.concurrent.EventExecutor loop) {
    new BackendDialer(px, route, tried, filter, connect, cb, loop).attempt();
  }

  static void dial(ProxyContext px, Route route, Function<Lease, Future<Channel>> connect, Callback cb,
      io.netty.util.concurrent.EventExecutor loop) {
    dial(px, route, new HashSet<>(), connect, cb, loop);
  }

  /**
   * Autostart: asks for a backend and resumes dialing, on this event loop, when one is ready.
   * Nothing is read from the client meanwhile (its channel is not reading), so the request waits
   * in the socket buffer, not in memory. Returns false when the route does not autostart.
   */
  private boolean holdForStart() {
    var ready = px.starter().awaitReady(route.key());
    if (ready == null) {
      return false;
    }
    waitedForStart = true;
    ready.whenComplete((r, e) -> loop.execute(() -> {
      if (e != null) {
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        callback.failed(ProxyMetrics.Unavailable.NOT_STARTED, cause.getMessage());
      } else {
        route = r;
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
    return b.acceptsNewWork() && !px.balancer().tracker().isCordoned(route.key(), b.name())
        && px.balancer().health().healthy(route.key(), b.name());
  }

  private void attempt() {
    Lease lease = px.balancer().pick(route, tried, filter);
    if (lease == null) {
      ProxyMetrics.Unavailable reason;
      if (attempts > 0) {
        reason = ProxyMetrics.Unavailable.CONNECT_FAILED;
      } else if (route.backends().stream().noneMatch(b -> usable(b) && filter.test(b))) {
        reason = ProxyMetrics.Unavailable.NO_BACKENDS;
        if (!waitedForStart && route.backends().stream().noneMatch(this::usable) && holdForStart()) {
          return;
        }
      } else {
        reason = ProxyMetrics.Unavailable.AT_CAPACITY;
      }
      callback.failed(reason, null);
      return;
    }
    attempts++;
    tried.add(lease.backend().name());
    connect.apply(lease).addListener(f -> {
      if (f.isSuccess()) {
        callback.connected(lease, (Channel) f.getNow());
        return;
      }
      lease.release();
      px.metrics().connectFailed(route.key());
      log.debug("connect to {} of {} failed: {}", lease.backend().name(), route.key(), f.cause().toString());
      if (attempts >= px.config().connectAttempts()) {
        callback.failed(ProxyMetrics.Unavailable.CONNECT_FAILED, null);
      } else {
        attempt();
      }
    });
  }
}
