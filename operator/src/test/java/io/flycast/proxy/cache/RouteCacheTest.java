package io.flycast.proxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.catalog.CacheSettings;
import io.flycast.catalog.RouteKey;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Stored responses hold their bodies by reference count: a hit shares the stored buffer, and every
 * way an entry leaves the cache (purge, eviction, replacement, the replica-wide cap) gives its
 * reference back, so no direct buffer outlives the cache and the responses that sent it.
 */
class RouteCacheTest {
  private static final long NOW = System.currentTimeMillis();
  private static final RouteKey WEB = new RouteKey("ns", "web");
  private static final RouteKey API = new RouteKey("ns", "api");
  private final List<ByteBuf> bodies = new ArrayList<>();

  private StoredResponse response(int bytes, String... headers) {
    HttpHeaders h = new DefaultHttpHeaders().add("Cache-Control", "max-age=60");
    for (int i = 0; i < headers.length; i += 2) {
      h.set(headers[i], headers[i + 1]);
    }
    ByteBuf body = Unpooled.directBuffer(bytes).writeZero(bytes);
    bodies.add(body);
    return new StoredResponse(200, h, body, NOW, NOW);
  }

  private static HttpHeaders req(String... nameValues) {
    HttpHeaders h = new DefaultHttpHeaders();
    for (int i = 0; i < nameValues.length; i += 2) {
      h.add(nameValues[i], nameValues[i + 1]);
    }
    return h;
  }

  @Test
  void aHitSharesTheBodyAndAPurgeFreesItOnceTheHitIsWritten() {
    ResponseCaches caches = new ResponseCaches(CacheSettings.DEFAULT_GLOBAL_MAX_BYTES);
    RouteCache c = caches.forRoute(WEB, CacheSettings.DEFAULT);
    caches.store(c, "/a", req(), response(100));
    Lookup l = c.lookup("/a", req(), NOW);
    assertThat(l.outcome()).isEqualTo(Lookup.Outcome.HIT);
    ByteBuf sent = l.entry().retainedBody();
    assertThat(sent.memoryAddress()).isEqualTo(bodies.get(0).memoryAddress()); // no copy
    assertThat(caches.purge(WEB)).isTrue();
    assertThat(bodies.get(0).refCnt()).as("the hit still holds it").isEqualTo(1);
    sent.release(); // the write of the hit
    assertThat(bodies.get(0).refCnt()).isZero();
    assertThat(caches.bytes()).isZero();
    assertThat(c.lookup("/a", req(), NOW).outcome()).isEqualTo(Lookup.Outcome.MISS);
  }

  @Test
  void aReplacedEntryAndEvictedOnesGiveTheirBodiesBack() {
    ResponseCaches caches = new ResponseCaches(CacheSettings.DEFAULT_GLOBAL_MAX_BYTES);
    RouteCache c = caches.forRoute(WEB, new CacheSettings(64 * 1024, 4 * 1024));
    caches.store(c, "/a", req(), response(1000));
    caches.store(c, "/a", req(), response(1000));
    assertThat(bodies.get(0).refCnt()).as("replaced").isZero();
    for (int i = 0; i < 200; i++) {
      caches.store(c, "/u" + i, req(), response(1000));
    }
    assertThat(c.bytes()).isLessThanOrEqualTo(64 * 1024);
    long live = bodies.stream().filter(b -> b.refCnt() > 0).count();
    assertThat(live).isEqualTo(c.entries()).isLessThan(64);
    caches.purge(WEB);
    assertThat(bodies).allSatisfy(b -> assertThat(b.refCnt()).isZero());
  }

  @Test
  void theReplicaWideCapHoldsOverEveryRoute() {
    ResponseCaches caches = new ResponseCaches(32 * 1024);
    RouteCache web = caches.forRoute(WEB, new CacheSettings(32 * 1024, 4 * 1024));
    RouteCache api = caches.forRoute(API, new CacheSettings(32 * 1024, 4 * 1024));
    for (int i = 0; i < 100; i++) {
      caches.store(i % 2 == 0 ? web : api, "/u" + i, req(), response(1000));
      assertThat(caches.bytes()).isLessThanOrEqualTo(32 * 1024);
    }
    assertThat(web.bytes() + api.bytes()).isEqualTo(caches.bytes());
    caches.purge(WEB);
    caches.purge(API);
    assertThat(bodies).allSatisfy(b -> assertThat(b.refCnt()).isZero());
  }

  @Test
  void varyKeysVariantsByTheSelectingFieldsOfTheRequest() {
    ResponseCaches caches = new ResponseCaches(CacheSettings.DEFAULT_GLOBAL_MAX_BYTES);
    RouteCache c = caches.forRoute(WEB, CacheSettings.DEFAULT);
    StoredResponse en = response(10, "Vary", "Accept-Language");
    caches.store(c, "/a", req("Accept-Language", "en"), en);
    assertThat(c.lookup("/a", req("Accept-Language", "en"), NOW).entry()).isSameAs(en);
    Lookup fr = c.lookup("/a", req("Accept-Language", "fr"), NOW);
    assertThat(fr.outcome()).isEqualTo(Lookup.Outcome.MISS);
    assertThat(fr.detail()).isEqualTo("vary-miss");
    StoredResponse french = response(10, "Vary", "accept-language");
    caches.store(c, "/a", req("Accept-Language", "fr"), french);
    assertThat(c.lookup("/a", req("Accept-Language", "fr"), NOW).entry()).isSameAs(french);
    assertThat(c.lookup("/a", req("Accept-Language", "en"), NOW).entry()).isSameAs(en);
    c.invalidate("/a"); // an unsafe method changed the resource: no variant is found again
    assertThat(c.lookup("/a", req("Accept-Language", "en"), NOW).detail()).isEqualTo("uri-miss");
    caches.store(c, "/a", req("Accept-Language", "de"), response(10, "Vary", "Accept-Language"));
    assertThat(c.lookup("/a", req("Accept-Language", "en"), NOW).outcome())
        .isEqualTo(Lookup.Outcome.MISS);
    caches.purge(WEB);
    assertThat(bodies).allSatisfy(b -> assertThat(b.refCnt()).isZero());
  }

  @Test
  void aStaleEntryWithAValidatorIsRevalidatedAndAnAuthorizedRequestIsNotServedAPrivateOne() {
    ResponseCaches caches = new ResponseCaches(CacheSettings.DEFAULT_GLOBAL_MAX_BYTES);
    RouteCache c = caches.forRoute(WEB, CacheSettings.DEFAULT);
    caches.store(c, "/v", req(), response(10, "Cache-Control", "no-cache", "ETag", "\"1\""));
    assertThat(c.lookup("/v", req(), NOW).outcome()).isEqualTo(Lookup.Outcome.STALE);
    caches.store(c, "/s", req(), response(10, "Cache-Control", "max-age=60"));
    assertThat(c.lookup("/s", req("Authorization", "Bearer x"), NOW).outcome())
        .isEqualTo(Lookup.Outcome.MISS);
    assertThat(c.lookup("/s", req("Cache-Control", "no-cache"), NOW).outcome())
        .as("no validator to revalidate with: fetched again")
        .isEqualTo(Lookup.Outcome.MISS);
    assertThat(c.lookup("/s", req(), NOW + 61_000).outcome()).isEqualTo(Lookup.Outcome.MISS);
    caches.purge(WEB);
  }

  @Test
  void aStoreIntoAPurgedRouteCacheKeepsNothing() {
    ResponseCaches caches = new ResponseCaches(CacheSettings.DEFAULT_GLOBAL_MAX_BYTES);
    RouteCache c = caches.forRoute(WEB, CacheSettings.DEFAULT);
    caches.specChanged(WEB); // the route changed while a response was streaming in
    caches.store(c, "/a", req(), response(100));
    assertThat(bodies.get(0).refCnt()).isZero();
    assertThat(caches.bytes()).isZero();
  }
}
