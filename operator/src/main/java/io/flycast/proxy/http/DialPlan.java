package io.flycast.proxy.http;

import io.flycast.catalog.Backend;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.Route;
import io.flycast.proxy.ProxyContext;
import io.flycast.proxy.ProxyMetrics;
import io.flycast.proxy.balance.Lease;
import io.flycast.proxy.upstream.BackendDialer;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * Where one exchange's request goes: the route and port, which backends may take it ({@code
 * fly-force-*}, a replay's wish) and which to try first ({@code fly-prefer-*}), the backends tried
 * so far and the connect attempts of this hop. Dials through {@link BackendDialer} on the client's
 * event loop.
 *
 * <p>Retries: a failed connect always moves on to another backend. A request whose backend
 * connection fails before any response byte arrived is retried only if its method is idempotent and
 * no body bytes were sent (the body is not kept for retries): {@link #mayRetry}.
 *
 * <p>A preference is not a requirement: when the preferred backends are out, the plan dials again
 * among all allowed ones before telling the exchange anything. A dial given up on ({@link
 * #cancel()}) reports nothing; a connection it brings back goes to the pool.
 *
 * <p>Instance routing ({@link RequestRouting}): {@code fly-force-*} headers that leave no backend
 * able to take the request get a 503 naming the instance or region ({@link #unavailable}). Fly
 * answers such requests with an error too; 503 (with {@code Retry-After}) rather than 4xx because
 * the request is valid and the instance may be ready again soon, like any other "no backend right
 * now".
 *
 * <p>Event-loop confined, like the exchange that owns it.
 */
final class DialPlan {
  private static final Set<HttpMethod> IDEMPOTENT =
      Set.of(
          HttpMethod.GET,
          HttpMethod.HEAD,
          HttpMethod.OPTIONS,
          HttpMethod.TRACE,
          HttpMethod.PUT,
          HttpMethod.DELETE);

  private final ProxyContext px;
  private final Channel client;
  private final boolean upgrade;
  private final BiConsumer<Lease, Channel> connected;
  private final BiConsumer<ProxyMetrics.Unavailable, String> failed;
  private final Set<String> tried = new HashSet<>();

  /** What the client's fly-force-* and fly-prefer-* headers ask for. */
  private final RequestRouting routing;

  private Route route;
  private PortSpec port;
  private Predicate<Backend> filter;

  /** Backends to dial first; null when none, or once they failed and any allowed one will do. */
  private Predicate<Backend> preferred;

  private int attempts;

  /** Counts dials; a dial's callbacks are ignored once a newer one started or it was cancelled. */
  private int generation;

  /** The current dial, cancelled when the client goes or a replay gives up on it. */
  private BackendDialer dialer;

  DialPlan(
      ProxyContext px,
      Channel client,
      boolean upgrade,
      RouteResolver.Target target,
      RequestRouting routing,
      BiConsumer<Lease, Channel> connected,
      BiConsumer<ProxyMetrics.Unavailable, String> failed) {
    this.px = px;
    this.client = client;
    this.upgrade = upgrade;
    this.connected = connected;
    this.failed = failed;
    this.route = target.route();
    this.port = target.port();
    this.routing = routing;
    this.filter = routing.required();
    this.preferred = routing.prefers() ? routing.preferred() : null;
  }

  Route route() {
    return route;
  }

  PortSpec port() {
    return port;
  }

  /**
   * Whether a request with {@code method} whose backend connection failed before any response may
   * go to one more backend connection of this hop: when the method is idempotent and the hop's
   * attempts are not used up. (The caller checks that no body bytes were sent: the body is not kept
   * for retries.)
   */
  boolean mayRetry(HttpMethod method) {
    return IDEMPOTENT.contains(method) && attempts < px.config().connectAttempts() + 1;
  }

  /**
   * How the exchange ends when no backend could be dialed for {@code reason}: counted, and a 503
   * that names the route (and says it was for a fly-replay when {@code replayed}), or what the
   * client's {@code fly-force-*} headers left out.
   */
  ExchangeFailure unavailable(
      ProxyMetrics.Unavailable reason,
      String detail,
      boolean replayed,
      boolean requestComplete,
      boolean keepAlive) {
    String host = route.key().flycastHostname();
    px.metrics().unavailable(route.key(), reason);
    if (!replayed) {
      detail = routing.explain(host, reason, detail); // the client's fly-force-* left none
    }
    String name = host + (replayed ? " (for fly-replay)" : "");
    int retryAfter = px.config().retryAfterSeconds();
    return ExchangeFailure.noBackend(reason, detail, name, retryAfter, requestComplete, keepAlive);
  }

  /** A stale pooled connection failed, not the backend: it may be tried again. */
  void untry(Backend backend) {
    tried.remove(backend.name());
  }

  /** Goes where a replay or its fallback says, with a fresh retry budget, and dials. */
  void go(ReplayController.Hop hop) {
    route = hop.route();
    port = hop.port();
    filter = hop.filter();
    preferred = hop.preferred();
    tried.clear();
    attempts = 0;
    dial();
  }

  /** Dials one of the allowed backends not tried yet; the outcome comes later (or at once). */
  void dial() {
    Predicate<Backend> among = preferred != null ? preferred.and(filter) : filter;
    if (port.targetPortName() != null) {
      among = among.and(port::serves); // only pods that resolve the named port
    }
    int current = ++generation;
    BackendDialer started =
        BackendDialer.dial(
            px,
            route,
            tried,
            among,
            this::connect,
            new BackendDialer.Callback() {
              @Override
              public void connected(Lease l, Channel ch) {
                if (current != generation) {
                  l.release(); // a dial given up on (its replay timed out): another one took over
                  px.pool().release(ch, true);
                  return;
                }
                connected.accept(l, ch);
              }

              @Override
              public void failed(ProxyMetrics.Unavailable reason, String detail) {
                if (current != generation) {
                  return;
                }
                if (preferred != null && reason != ProxyMetrics.Unavailable.NOT_STARTED) {
                  preferred = null; // the preferred backends are out: any allowed one will do
                  dial();
                  return;
                }
                failed.accept(reason, detail);
              }

              @Override
              public boolean mayWaitForCapacity() {
                return preferred == null;
              }
            },
            client.eventLoop());
    // The dial may have failed and re-dialed (preferences, fallback) before returning: the inner,
    // newer dial is the live one then, and is already recorded.
    if (current == generation) {
      dialer = started;
    }
  }

  private Future<Channel> connect(Lease l) {
    attempts++;
    InetSocketAddress address =
        new InetSocketAddress(l.backend().address(), port.targetPort(l.backend()));
    return px.pool().acquire(client, address, port, upgrade);
  }

  /** Gives up the current dial: nothing it reports back is wanted any more. */
  void cancel() {
    generation++;
    if (dialer != null) {
      dialer.cancel();
    }
  }
}
