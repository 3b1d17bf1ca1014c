package io.flycast.proxy.http;

import io.flycast.catalog.Backend;
import io.flycast.catalog.Catalog;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.Route;
import io.flycast.catalog.RouteKey;
import io.flycast.proxy.ProxyContext;
import io.flycast.proxy.ProxyMetrics;
import io.flycast.proxy.ProxyMetrics.ReplayOutcome;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The {@code fly-replay} side of one exchange: whether a response's replay is followed (at most
 * {@link FlyReplay#MAX_REPLAYS} times, never after a fallback, only with the whole body kept),
 * where each hop goes, the replay's {@code timeout=}, and the way back ({@code fallback=}) when the
 * target cannot be reached. Says what the exchange does next ({@link Next}: dial a {@link Hop}, or
 * end with a failure); the exchange dials.
 *
 * <p>Event-loop confined, like the exchange that owns it.
 */
final class ReplayController {
  /** Where the next dial goes, and which backends it may and should pick. */
  record Hop(Route route, PortSpec port, Predicate<Backend> filter, Predicate<Backend> preferred) {}

  /** What the exchange does after a replay step: dial {@code hop}, or end with {@code failure}. */
  record Next(Hop hop, ExchangeFailure failure) {
    static Next dial(Hop hop) {
      return new Next(hop, null);
    }

    static Next fail(ExchangeFailure failure) {
      return new Next(null, failure);
    }
  }

  /** Where a replay that cannot reach its target goes back to: the backend that asked. */
  private record Fallback(FlyReplay replay, Route route, PortSpec port, Backend from) {}

  private final ProxyMetrics metrics;
  private final Supplier<Catalog> catalog;
  private final HttpRequest request;
  private final EventExecutor loop;
  private final Consumer<Duration> onTimeout;
  private final BiPredicate<Route, Route> mayReplay;

  /** The replay asked for by the response being dropped; null when none. */
  private FlyReplay pending;

  private int replays;

  /** Where to go back to ({@code fallback=}); null when nowhere, or once a backend was reached. */
  private Fallback fallback;

  /** The replay went back to where it came from: it may not be replayed again. */
  private boolean fellBack;

  /** The replay's {@code timeout=}; cancelled once a backend is reached. */
  private ScheduledFuture<?> timer;

  /**
   * @param onTimeout called with the replay's {@code timeout=} when it passed before a backend of
   *     the target was reached
   * @param mayReplay whether the access rules let a request of the first route go to the second
   */
  ReplayController(
      ProxyMetrics metrics,
      Supplier<Catalog> catalog,
      HttpRequest request,
      EventExecutor loop,
      Consumer<Duration> onTimeout,
      BiPredicate<Route, Route> mayReplay) {
    this.metrics = metrics;
    this.catalog = catalog;
    this.request = request;
    this.loop = loop;
    this.onTimeout = onTimeout;
    this.mayReplay = mayReplay;
  }

  /** The controller of one exchange of {@code px}, its timer on {@code loop}. */
  static ReplayController of(
      ProxyContext px, HttpRequest request, EventExecutor loop, Consumer<Duration> onTimeout) {
    return new ReplayController(
        px.metrics(),
        px.catalog()::current,
        request,
        loop,
        onTimeout,
        (from, to) -> AccessGate.mayReplay(px, from, to));
  }

  /** Times the request was replayed. */
  int replays() {
    return replays;
  }

  /** Whether a replay may still come, so the body sent must be kept. */
  boolean mayReplayAgain() {
    return replays < FlyReplay.MAX_REPLAYS && !fellBack;
  }

  /** Whether a fallback is armed for the hop being dialed. */
  boolean canFallBack() {
    return fallback != null;
  }

  /**
   * Whether the response with these headers, from a backend of {@code route}, is dropped and the
   * request replayed where its {@code fly-replay} asks; when it asks and is not followed, the
   * metric says why.
   */
  boolean follow(HttpHeaders response, Route route, boolean requestComplete, boolean bodyTooLarge) {
    String header = response.get(FlyReplay.HEADER);
    FlyReplay replay = header == null ? null : FlyReplay.parse(header);
    if (replay == null) {
      return false;
    }
    ReplayOutcome refused;
    if (fellBack) {
      refused = ReplayOutcome.AFTER_FALLBACK;
    } else if (replays >= FlyReplay.MAX_REPLAYS) {
      refused = ReplayOutcome.TOO_MANY;
    } else if (!requestComplete) {
      refused = ReplayOutcome.BODY_INCOMPLETE;
    } else if (bodyTooLarge) {
      refused = ReplayOutcome.BODY_TOO_LARGE;
    } else if (!mayReplay.test(route, replay.target(catalog.get(), route))) {
      refused = ReplayOutcome.REFUSED;
    } else {
      pending = replay;
      return true;
    }
    metrics.replay(route.key(), refused);
    return false;
  }

  /** The replay being followed; null when none. */
  FlyReplay pending() {
    return pending;
  }

  /**
   * The response asking for the pending replay was dropped, whole, by {@code from}, a backend of
   * {@code route} / {@code port}: dial where it asks (or the way back, its target having no route),
   * or answer 502 when its target has no route and it asked for no fallback. {@code keepAlive}:
   * whether the client asked to keep its connection.
   */
  Next replayed(Backend from, Route route, PortSpec port, boolean keepAlive) {
    String app = pending.app();
    Hop hop = replay(from, route, port);
    return hop != null ? Next.dial(hop) : Next.fail(ExchangeFailure.replayNoRoute(app, keepAlive));
  }

  /**
   * The replay's {@code timeout=} passed while the exchange was still dialing {@code current}: the
   * way back when one is armed, else 504 (counted as a failed connect).
   */
  Next timedOut(RouteKey current, Duration timeout, boolean keepAlive) {
    if (canFallBack()) {
      return Next.dial(fallBack("timeout", current));
    }
    metrics.unavailable(current, ProxyMetrics.Unavailable.CONNECT_FAILED);
    String host = current.flycastHostname();
    return Next.fail(ExchangeFailure.replayTimeout(host, timeout, keepAlive));
  }

  /**
   * No backend of {@code current} could be dialed, for {@code reason}: the way back when one is
   * armed, else null (the exchange answers as for any failed dial).
   */
  Hop dialFailed(ProxyMetrics.Unavailable reason, RouteKey current) {
    return canFallBack() ? fallBack(reason.name().toLowerCase(Locale.ROOT), current) : null;
  }

  /**
   * Starts the hop the pending replay asks for, from {@code route} / {@code port} where {@code
   * from} answered: the hop to dial, the way back when the target has no route and a fallback was
   * asked for, or null when it has none (then the exchange answers 502).
   */
  Hop replay(Backend from, Route route, PortSpec port) {
    FlyReplay replay = pending;
    pending = null;
    replays++;
    Route target = replay.target(catalog.get(), route);
    PortSpec targetPort = target == null ? null : FlyReplay.port(target, port);
    Fallback back =
        replay.fallback() == FlyReplay.Fallback.NONE
            ? null
            : new Fallback(replay, route, port, from);
    request.headers().set(FlyReplay.SOURCE_HEADER, FlyReplay.source(from, replay.state()));
    if (targetPort == null) {
      metrics.replay(route.key(), ReplayOutcome.NO_ROUTE);
      if (back == null) {
        return null;
      }
      fallback = back;
      return fallBack("no_route", route.key());
    }
    metrics.replay(route.key(), ReplayOutcome.REPLAYED);
    fallback = back;
    cancelTimer();
    Duration timeout = replay.timeout();
    if (timeout != null) {
      timer =
          loop.schedule(() -> onTimeout.accept(timeout), timeout.toNanos(), TimeUnit.NANOSECONDS);
    }
    // The backend's wish replaces the client's fly-force/fly-prefer.
    return new Hop(target, targetPort, replay.filter(from), replay.preferred());
  }

  /**
   * The replay could not reach its target ({@code current}): back to the backend that asked ({@code
   * fallback=force_self}), or to it first and then any backend of its route ({@code prefer_self}),
   * telling it why in {@code fly-replay-failed}. It may not replay again. Only when {@link
   * #canFallBack()}.
   */
  Hop fallBack(String reason, RouteKey current) {
    Fallback back = fallback;
    fallback = null;
    fellBack = true;
    cancelTimer();
    metrics.replay(back.route().key(), ReplayOutcome.FELL_BACK);
    request
        .headers()
        .set(FlyReplay.FAILED_HEADER, back.replay().failure(reason, current.flycastHostname()));
    Route now = catalog.get().route(back.route().key());
    String self = back.from().name();
    boolean force = back.replay().fallback() == FlyReplay.Fallback.FORCE_SELF;
    return new Hop(
        now != null ? now : back.route(),
        back.port(),
        force ? b -> b.name().equals(self) : b -> true,
        force ? null : b -> b.name().equals(self));
  }

  /** A backend was reached: the replay succeeded, whatever it answers; no timeout, no way back. */
  void reached() {
    cancelTimer();
    fallback = null;
  }

  /** The exchange is over. */
  void release() {
    cancelTimer();
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}
