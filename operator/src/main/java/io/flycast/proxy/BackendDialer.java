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

    void failed(ProxyMetrics.Unavailable reason);
  }

  private final ProxyContext px;
  private final Route route;
  private final Function<Lease, Future<Channel>> connect;
  private final Callback callback;
  private final Set<String> tried;
  private final Predicate<Backend> filter;
  private int attempts;

  private BackendDialer(
      ProxyContext px,
      Route route,
      Set<String> tried,
      Predicate<Backend> filter,
      Function<Lease, Future<Channel>> connect,
      Callback cb) {
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
      ProxyContext px, Route route, Set<String> tried, Function<Lease, Future<Channel>> connect, Callback cb) {
    dial(px, route, tried, b -> true, connect, cb);
  }

  /** Like {@link #dial(ProxyContext, Route, Set, Function, Callback)}, among backends passing {@code filter}. */
  static void dial(
      ProxyContext px,
      Route route,
      Set<String> tried,
      Predicate<Backend> filter,
      Function<Lease, Future<Channel>> connect,
      Callback cb) {
    new BackendDialer(px, route, tried, filter, connect, cb).attempt();
  }

  static void dial(ProxyContext px, Route route, Function<Lease, Future<Channel>> connect, Callback cb) {
    dial(px, route, new HashSet<>(), connect, cb);
  }

  private void attempt() {
    Lease lease = px.balancer().pick(route, tried, filter);
    if (lease == null) {
      ProxyMetrics.Unavailable reason;
      if (attempts > 0) {
        reason = ProxyMetrics.Unavailable.CONNECT_FAILED;
      } else if (route.backends().stream().noneMatch(b -> b.acceptsNewWork() && filter.test(b))) {
        reason = ProxyMetrics.Unavailable.NO_BACKENDS;
      } else {
        reason = ProxyMetrics.Unavailable.AT_CAPACITY;
      }
      callback.failed(reason);
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
        callback.failed(ProxyMetrics.Unavailable.CONNECT_FAILED);
      } else {
        attempt();
      }
    });
  }
}
