package io.flycast.proxy.http;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flycast.catalog.CacheSettings;
import io.flycast.catalog.RouteKey;
import io.flycast.proxy.RequestRecord;
import io.flycast.proxy.cache.CacheStatus;
import io.flycast.proxy.cache.Lookup;
import io.flycast.proxy.cache.MissFlights;
import io.flycast.proxy.cache.ResponseCaches;
import io.flycast.proxy.cache.ResponseTee;
import io.flycast.proxy.cache.RouteCache;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A request waiting for another's miss of its URL ({@link CollapsedWait}) and the answers the cache
 * gives in place of the backend ({@link CacheGate}): the waiter is woken once, by the leader's
 * stored response or by its own timer, and served what the leader stored; a stale entry answers a
 * backend failure. The timer runs on an {@link EmbeddedChannel}'s event loop; the leader is a real
 * {@link ResponseTee} of a real route cache.
 */
class CollapsedWaitTest {
  private static final String KEY = "80 web.shop.flycast /cold";

  private final ResponseCaches caches = new ResponseCaches(CacheSettings.DEFAULT_GLOBAL_MAX_BYTES);
  private final RouteCache cache =
      caches.forRoute(new RouteKey("shop", "web"), new CacheSettings(1024 * 1024, 64 * 1024));
  private final EmbeddedChannel loop = new EmbeddedChannel();
  private final HttpRequest request =
      new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/cold");
  private final RequestRecord record = new RequestRecord(null, request, null);
  private final List<String> results = new ArrayList<>();
  private int woken;
  private CollapsedWait wait;

  @AfterEach
  void close() {
    loop.finishAndReleaseAll();
    caches.forRoute(new RouteKey("shop", "web"), null); // purges: every stored body goes back
  }

  private ResponseTee tee(Lookup lookup) {
    return new ResponseTee(
        caches,
        cache,
        KEY,
        new DefaultHttpHeaders(),
        lookup,
        null,
        false,
        false,
        System::currentTimeMillis,
        results::add);
  }

  /** The first miss of the URL: it leads the flight the others wait for. */
  private ResponseTee leader() {
    ResponseTee t = tee(new Lookup(Lookup.Outcome.MISS, null, "uri-miss"));
    t.lead(cache.flights().lead(KEY));
    return t;
  }

  /** An identical miss while the leader is in the air. */
  private ResponseTee follower() {
    ResponseTee t = tee(new Lookup(Lookup.Outcome.MISS, null, "uri-miss"));
    t.follow(cache.flights().inAir(KEY));
    return t;
  }

  /** The leader's backend answers {@code body} with these headers: stored, which lands it. */
  private static void answer(ResponseTee leader, String body, String... headers) {
    HttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    for (int i = 0; i < headers.length; i += 2) {
      resp.headers().set(headers[i], headers[i + 1]);
    }
    resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length());
    leader.head(resp);
    leader.content(new DefaultLastHttpContent(Unpooled.copiedBuffer(body, US_ASCII))).release();
    leader.release();
  }

  /** The waiter's exchange starts: it waits for the flight it follows, if it can. */
  private boolean waitFor(ResponseTee waiter) {
    wait = CollapsedWait.await(loop.eventLoop(), waiter.following(), () -> woken++);
    return wait != null;
  }

  private void after(long ms) {
    loop.advanceTimeBy(ms, TimeUnit.MILLISECONDS);
    loop.runScheduledPendingTasks();
  }

  @Test
  void aWaiterIsWokenWhenTheLeaderStoresAndIsServedTheFreshEntry() {
    ResponseTee leader = leader();
    ResponseTee waiter = follower();
    assertThat(waitFor(waiter)).isTrue();
    loop.runPendingTasks();
    assertThat(woken).as("nothing landed yet").isZero();

    answer(leader, "fresh", "cache-control", "max-age=60");
    loop.runPendingTasks(); // the landing handed the wake-up to the waiter's loop
    assertThat(woken).isEqualTo(1);
    assertThat(wait.waiting()).isFalse();

    FullHttpResponse hit = CacheGate.collapsed("fra", waiter, request, record, null);
    try {
      assertThat(hit.status()).isEqualTo(HttpResponseStatus.OK);
      assertThat(hit.content().toString(US_ASCII)).isEqualTo("fresh");
      assertThat(hit.headers().get(CacheStatus.NAME))
          .startsWith("Flycast; hit; ttl=")
          .endsWith("; detail=collapsed");
      assertThat(hit.headers().get(FlyHeaders.FLY_REQUEST_ID)).isNotBlank();
    } finally {
      hit.release();
    }
    assertThat(results).as("the leader's miss, the waiter's hit").containsExactly("miss", "hit");

    after(MissFlights.WAIT_MS);
    assertThat(woken).as("its timer does not wake it again").isEqualTo(1);
  }

  @Test
  void aWaiterWhoseWaitTimesOutGoesToTheBackendAndIsNotWokenAgain() {
    ResponseTee leader = leader();
    ResponseTee waiter = follower();
    assertThat(waitFor(waiter)).isTrue();
    after(MissFlights.WAIT_MS - 1);
    assertThat(woken).isZero();
    after(1);
    assertThat(woken).isEqualTo(1);
    assertThat(CacheGate.collapsed("fra", waiter, request, record, null))
        .as("nothing stored: the exchange goes to the backend itself")
        .isNull();
    assertThat(results).as("not counted yet: the backend's response will be").isEmpty();

    answer(leader, "late", "cache-control", "max-age=60");
    loop.runPendingTasks();
    assertThat(woken).as("the late landing finds it gone").isEqualTo(1);
    waiter.release();
  }

  @Test
  void aWaiterWhoseLeaderStoresNothingIsWokenAndGoesToTheBackend() {
    ResponseTee leader = leader();
    ResponseTee waiter = follower();
    assertThat(waitFor(waiter)).isTrue();
    answer(leader, "mine", "cache-control", "no-store");
    loop.runPendingTasks();
    assertThat(woken).as("woken at once, not after the wait cap").isEqualTo(1);
    assertThat(CacheGate.collapsed("fra", waiter, request, record, null)).isNull();
    waiter.release();
  }

  @Test
  void aCancelledWaitIsNeverWoken() {
    ResponseTee leader = leader();
    ResponseTee waiter = follower();
    assertThat(waitFor(waiter)).isTrue();
    wait.cancel(); // the client went away
    assertThat(wait.waiting()).isFalse();
    answer(leader, "fresh", "cache-control", "max-age=60");
    loop.runPendingTasks();
    after(MissFlights.WAIT_MS);
    assertThat(woken).isZero();
    waiter.release();
  }

  @Test
  void thereIsNoWaitForAFlightThatLanded() {
    ResponseTee leader = leader();
    ResponseTee waiter = follower();
    leader.release(); // its client went away: landed, nothing stored
    assertThat(waitFor(waiter)).as("no wait object is kept: nothing to cancel later").isFalse();
    assertThat(wait).isNull();
    assertThat(cache.flights().waiting()).isZero();
    after(MissFlights.WAIT_MS);
    assertThat(woken).isZero();
    waiter.release();
  }

  @Test
  void aWaiterThatStopsWaitingNoLongerCountsAsWaiting() {
    ResponseTee leader = leader();
    ResponseTee timedOut = follower();
    ResponseTee gone = follower();
    assertThat(waitFor(timedOut)).isTrue();
    CollapsedWait first = wait;
    assertThat(waitFor(gone)).isTrue();
    assertThat(cache.flights().waiting()).isEqualTo(2);

    after(MissFlights.WAIT_MS); // both timers fire: the first one's, then the second one's
    assertThat(woken).isEqualTo(2);
    assertThat(first.waiting()).isFalse();
    assertThat(cache.flights().waiting()).as("the gauge, before the flight lands").isZero();

    ResponseTee cancelled = follower();
    assertThat(waitFor(cancelled)).isTrue();
    assertThat(cache.flights().waiting()).isEqualTo(1);
    wait.cancel(); // its client went away
    assertThat(cache.flights().waiting()).isZero();

    answer(leader, "late", "cache-control", "max-age=60");
    loop.runPendingTasks();
    assertThat(cache.flights().waiting()).as("the landing takes nobody off twice").isZero();
    assertThat(woken).as("nobody who left is woken").isEqualTo(2);
    timedOut.release();
    gone.release();
    cancelled.release();
  }

  @Test
  void aWaiterWokenByTheLandingIsTakenOffOnce() {
    ResponseTee leader = leader();
    ResponseTee waiter = follower();
    assertThat(waitFor(waiter)).isTrue();
    answer(leader, "fresh", "cache-control", "max-age=60");
    assertThat(cache.flights().waiting()).isZero();
    loop.runPendingTasks();
    after(MissFlights.WAIT_MS);
    wait.cancel();
    assertThat(cache.flights().waiting()).isZero();
    assertThat(woken).isEqualTo(1);
    waiter.release();
  }

  @Test
  void aCollapsedHitCarriesTheRouteRateLimitFields() {
    RateLimitGate.Pace pace = new RateLimitGate.Pace("\"route\";q=10;w=60", "\"route\";r=9;t=6");
    ResponseTee leader = leader();
    ResponseTee waiter = follower();
    assertThat(waitFor(waiter)).isTrue();
    answer(leader, "fresh", "cache-control", "max-age=60");
    loop.runPendingTasks();
    FullHttpResponse hit = CacheGate.collapsed("fra", waiter, request, record, pace);
    try {
      assertThat(hit.headers().get("ratelimit-policy")).isEqualTo(pace.policy());
      assertThat(hit.headers().get("ratelimit")).isEqualTo(pace.state());
    } finally {
      hit.release();
    }
  }

  @Test
  void aStaleEntryAnsweringAFailureCarriesTheRouteRateLimitFields() {
    RateLimitGate.Pace pace = new RateLimitGate.Pace("\"route\";q=10;w=60", "\"route\";r=9;t=6");
    answer(leader(), "stale", "cache-control", "max-age=0, stale-if-error=60", "etag", "\"v1\"");
    ResponseTee tee = tee(cache.lookup(KEY, new DefaultHttpHeaders(), System.currentTimeMillis()));
    FullHttpResponse unavailable =
        HttpResponses.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "no backend", true);
    FullHttpResponse stale = CacheGate.staleInstead(tee, unavailable, "rid", pace);
    try {
      assertThat(stale.headers().get(CacheStatus.NAME)).contains("stale-if-error");
      assertThat(stale.headers().get("ratelimit-policy")).isEqualTo(pace.policy());
      assertThat(stale.headers().get("ratelimit")).isEqualTo(pace.state());
    } finally {
      stale.release();
      unavailable.release();
      tee.release();
    }
  }

  @Test
  void aLeaderOnAnotherLoopWakesTheWaiterOnItsOwn() throws Exception {
    DefaultEventLoop own = new DefaultEventLoop();
    try {
      AtomicReference<Boolean> onOwnLoop = new AtomicReference<>();
      ResponseTee leader = leader();
      ResponseTee waiter = follower();
      CollapsedWait elsewhere =
          own.submit(
                  () ->
                      CollapsedWait.await(
                          own, waiter.following(), () -> onOwnLoop.set(own.inEventLoop())))
              .get();
      assertThat(elsewhere).isNotNull();
      answer(leader, "fresh", "cache-control", "max-age=60"); // lands on this (test) thread
      await().atMost(Duration.ofSeconds(2)).until(() -> onOwnLoop.get() != null);
      assertThat(onOwnLoop.get()).isTrue();
      assertThat(own.submit(elsewhere::waiting).get()).isFalse();
      waiter.release();
    } finally {
      own.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  @Test
  void aStaleEntryAnswersABackendFailureButNotAClientError() {
    answer(leader(), "stale", "cache-control", "max-age=0, stale-if-error=60", "etag", "\"v1\"");
    HttpHeaders asked = new DefaultHttpHeaders();
    Lookup found = cache.lookup(KEY, asked, System.currentTimeMillis());
    assertThat(found.entry()).isNotNull();
    ResponseTee tee = tee(found);
    FullHttpResponse notFound = HttpResponses.text(HttpResponseStatus.NOT_FOUND, "no", true);
    FullHttpResponse unavailable =
        HttpResponses.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "no backend", true);
    try {
      assertThat(CacheGate.staleInstead(tee, notFound, "rid", null)).isNull();
      assertThat(CacheGate.staleInstead(null, unavailable, "rid", null)).as("no cache").isNull();
      FullHttpResponse stale = CacheGate.staleInstead(tee, unavailable, "rid", null);
      try {
        assertThat(stale.status()).isEqualTo(HttpResponseStatus.OK);
        assertThat(stale.content().toString(US_ASCII)).isEqualTo("stale");
        assertThat(stale.headers().get(CacheStatus.NAME)).contains("stale");
        assertThat(stale.headers().get("fly-request-id")).isEqualTo("rid");
      } finally {
        stale.release();
      }
    } finally {
      notFound.release();
      unavailable.release();
      tee.release();
    }
  }
}
