package io.flycast.proxy.http;

import static io.flycast.proxy.TestRoutes.backend;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.catalog.Backend;
import io.flycast.catalog.Catalog;
import io.flycast.catalog.Concurrency;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.Route;
import io.flycast.proxy.ProxyMetrics;
import io.flycast.proxy.TestRoutes;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The fly-replay controller, its timer on an {@link EmbeddedChannel}'s event loop. */
class ReplayControllerTest {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final EmbeddedChannel loop = new EmbeddedChannel();
  private final HttpRequest request =
      new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
  private final List<Duration> timeouts = new ArrayList<>();
  private final Backend asker = backend("web-1", "fra");
  private final Route route = TestRoutes.route(Concurrency.DEFAULT, asker, backend("web-2", "ams"));
  private final PortSpec port = route.spec().ports().get(0);
  private boolean accessAllows = true;
  private final ReplayController replay =
      new ReplayController(
          new ProxyMetrics(registry),
          () -> Catalog.EMPTY,
          request,
          loop.eventLoop(),
          timeouts::add,
          (from, to) -> accessAllows);

  @AfterEach
  void close() {
    loop.finishAndReleaseAll();
  }

  private static HttpHeaders asking(String value) {
    return new DefaultHttpHeaders().set(FlyReplay.HEADER, value);
  }

  private double count(String outcome) {
    return registry.scrape().stream()
        .filter(m -> m.getMetadata().getName().equals("flycast_proxy_replays"))
        .flatMap(m -> ((CounterSnapshot) m).getDataPoints().stream())
        .filter(d -> outcome.equals(d.getLabels().get("outcome")))
        .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue)
        .sum();
  }

  @Test
  void aResponseWithoutTheHeaderIsNotAReplay() {
    assertThat(replay.follow(new DefaultHttpHeaders(), route, true, false)).isFalse();
    assertThat(replay.pending()).isNull();
  }

  @Test
  void aReplayIsFollowedAtMostTheMaximumNumberOfTimes() {
    for (int i = 0; i < FlyReplay.MAX_REPLAYS; i++) {
      assertThat(replay.follow(asking("elsewhere=true"), route, true, false)).isTrue();
      ReplayController.Hop hop = replay.replay(asker, route, port);
      assertThat(hop.route()).isSameAs(route);
      assertThat(hop.filter().test(asker)).as("elsewhere: not the asker").isFalse();
    }
    assertThat(replay.mayReplayAgain()).isFalse();
    assertThat(replay.follow(asking("elsewhere=true"), route, true, false)).isFalse();
    assertThat(count("too_many")).isEqualTo(1);
    assertThat(count("replayed")).isEqualTo(FlyReplay.MAX_REPLAYS);
    assertThat(request.headers().get(FlyReplay.SOURCE_HEADER)).contains("instance=web-1");
  }

  @Test
  void aRequestWhoseBodyIsIncompleteTooLargeOrNotAllowedThereIsNotReplayed() {
    assertThat(replay.follow(asking("elsewhere=true"), route, false, false)).isFalse();
    assertThat(replay.follow(asking("elsewhere=true"), route, true, true)).isFalse();
    accessAllows = false;
    assertThat(replay.follow(asking("elsewhere=true"), route, true, false)).isFalse();
    assertThat(count("body_incomplete")).isEqualTo(1);
    assertThat(count("body_too_large")).isEqualTo(1);
    assertThat(count("refused")).isEqualTo(1);
  }

  @Test
  void theTimeoutFiresWhenNoBackendIsReachedAndNotOnceOneIs() {
    replay.follow(asking("elsewhere=true;timeout=2s"), route, true, false);
    replay.replay(asker, route, port);
    loop.advanceTimeBy(1, TimeUnit.SECONDS);
    loop.runScheduledPendingTasks();
    assertThat(timeouts).isEmpty();
    loop.advanceTimeBy(1, TimeUnit.SECONDS);
    loop.runScheduledPendingTasks();
    assertThat(timeouts).containsExactly(Duration.ofSeconds(2));

    replay.follow(asking("elsewhere=true;timeout=2s"), route, true, false);
    replay.replay(asker, route, port);
    replay.reached();
    loop.advanceTimeBy(5, TimeUnit.SECONDS);
    loop.runScheduledPendingTasks();
    assertThat(timeouts).as("reached in time: no second timeout").hasSize(1);
  }

  @Test
  void anAppWithNoRouteFallsBackToTheAskerWhenAskedAndIsNeverReplayedAgain() {
    replay.follow(asking("app=gone;fallback=force_self"), route, true, false);
    ReplayController.Hop hop = replay.replay(asker, route, port);
    assertThat(hop.route()).isSameAs(route);
    assertThat(hop.filter().test(asker)).isTrue();
    assertThat(hop.filter().test(backend("web-2", "ams"))).as("force_self").isFalse();
    assertThat(request.headers().get(FlyReplay.FAILED_HEADER))
        .contains("reason=no_route")
        .contains("app=gone");
    assertThat(count("no_route")).isEqualTo(1);
    assertThat(count("fell_back")).isEqualTo(1);
    assertThat(replay.follow(asking("elsewhere=true"), route, true, false)).isFalse();
    assertThat(count("after_fallback")).isEqualTo(1);
  }

  @Test
  void aDroppedReplayResponseSaysWhereToDialOrEndsWith502WhenTheAppHasNoRoute() {
    replay.follow(asking("elsewhere=true"), route, true, false);
    ReplayController.Next next = replay.replayed(asker, route, port, true);
    assertThat(next.failure()).isNull();
    assertThat(next.hop().filter().test(asker)).isFalse();

    replay.follow(asking("app=gone"), route, true, false);
    next = replay.replayed(asker, route, port, true);
    assertThat(next.hop()).isNull();
    assertThat(next.failure().answer().status().code()).isEqualTo(502);
    assertThat(next.failure().answer().content().toString(US_ASCII)).contains("app 'gone'");
    next.failure().answer().release();
  }

  @Test
  void aTimedOutReplayFallsBackWhenArmedElseEndsWith504() {
    replay.follow(asking("elsewhere=true;timeout=1s;fallback=prefer_self"), route, true, false);
    replay.replay(asker, route, port);
    ReplayController.Next back = replay.timedOut(route.key(), Duration.ofSeconds(1), true);
    assertThat(back.failure()).isNull();
    assertThat(back.hop().preferred().test(asker)).as("prefer_self").isTrue();
    assertThat(request.headers().get(FlyReplay.FAILED_HEADER)).contains("reason=timeout");

    ReplayController.Next end = replay.timedOut(route.key(), Duration.ofSeconds(1), true);
    assertThat(end.hop()).as("fallen back already: nowhere else to go").isNull();
    assertThat(end.failure().answer().status().code()).isEqualTo(504);
    end.failure().answer().release();
  }

  @Test
  void aFailedDialFallsBackOnlyWhenArmed() {
    assertThat(replay.dialFailed(ProxyMetrics.Unavailable.NO_BACKENDS, route.key())).isNull();
    replay.follow(asking("elsewhere=true;fallback=force_self"), route, true, false);
    replay.replay(asker, route, port);
    ReplayController.Hop back =
        replay.dialFailed(ProxyMetrics.Unavailable.NO_BACKENDS, route.key());
    assertThat(back.filter().test(asker)).isTrue();
    assertThat(request.headers().get(FlyReplay.FAILED_HEADER)).contains("reason=no_backends");
    assertThat(replay.canFallBack()).isFalse();
  }

  @Test
  void anAppWithNoRouteAndNoFallbackLeavesNoHop() {
    replay.follow(asking("app=gone"), route, true, false);
    assertThat(replay.replay(asker, route, port)).isNull();
    assertThat(replay.canFallBack()).isFalse();
  }
}
