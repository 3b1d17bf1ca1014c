package io.flycast.proxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 9111's rules for a shared cache, as {@link CachePolicy} applies them. */
class CachePolicyTest {
  private static final long NOW = 1_700_000_000_000L;

  private static HttpHeaders h(String... nameValues) {
    HttpHeaders h = new DefaultHttpHeaders();
    for (int i = 0; i < nameValues.length; i += 2) {
      h.add(nameValues[i], nameValues[i + 1]);
    }
    return h;
  }

  private static String httpDate(long ms) {
    return DateTimeFormatter.RFC_1123_DATE_TIME.format(
        ZonedDateTime.ofInstant(java.time.Instant.ofEpochMilli(ms), ZoneOffset.UTC));
  }

  @Test
  void onlyGetAndHeadWithoutRangeOrNoStoreUseTheCache() {
    assertThat(CachePolicy.requestBypass(HttpMethod.GET, h())).isNull();
    assertThat(CachePolicy.requestBypass(HttpMethod.HEAD, h())).isNull();
    assertThat(CachePolicy.requestBypass(HttpMethod.POST, h())).isEqualTo("method");
    assertThat(CachePolicy.requestBypass(HttpMethod.DELETE, h())).isEqualTo("method");
    assertThat(CachePolicy.requestBypass(HttpMethod.GET, h("Range", "bytes=0-9")))
        .isEqualTo("range");
    assertThat(CachePolicy.requestBypass(HttpMethod.GET, h("Cache-Control", "no-store")))
        .isEqualTo("no-store");
  }

  @Test
  void noCacheMaxAgeZeroAndPragmaAskForValidation() {
    assertThat(CachePolicy.requestWantsValidation(h())).isFalse();
    assertThat(CachePolicy.requestWantsValidation(h("Cache-Control", "no-cache"))).isTrue();
    assertThat(CachePolicy.requestWantsValidation(h("Cache-Control", "max-age=0"))).isTrue();
    assertThat(CachePolicy.requestWantsValidation(h("Cache-Control", "max-age=10"))).isFalse();
    assertThat(CachePolicy.requestWantsValidation(h("Pragma", "no-cache"))).isTrue();
    // Cache-Control wins over HTTP/1.0's Pragma when both are there
    assertThat(
            CachePolicy.requestWantsValidation(
                h("Pragma", "no-cache", "Cache-Control", "max-age=10")))
        .isFalse();
  }

  @ParameterizedTest(name = "{0} {1} → {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "200|max-age=60|",
        "203|max-age=60|",
        "204|max-age=60|",
        "301|max-age=60|",
        "404|max-age=60|",
        "410|max-age=60|",
        "206|max-age=60|status",
        "302|max-age=60|status",
        "500|max-age=60|status",
        "200|no-store, max-age=60|no-store",
        "200|private, max-age=60|private",
        "200|PRIVATE|private",
        "200||no-freshness",
        "200|public|no-freshness",
        "200|max-age=0|no-freshness",
        "200|s-maxage=30|",
      })
  void storableStatusesAndDirectives(int status, String cacheControl, String reason) {
    HttpHeaders resp = cacheControl == null ? h() : h("Cache-Control", cacheControl);
    assertThat(CachePolicy.notStorable(status, resp, false, NOW)).isEqualTo(reason);
  }

  @Test
  void setCookieAndVaryStarAreNeverStored() {
    assertThat(
            CachePolicy.notStorable(
                200, h("Cache-Control", "max-age=60", "Set-Cookie", "id=1"), false, NOW))
        .isEqualTo("set-cookie");
    assertThat(
            CachePolicy.notStorable(200, h("Cache-Control", "max-age=60", "Vary", "*"), false, NOW))
        .isEqualTo("vary-star");
  }

  @Test
  void aResponseWithOnlyAValidatorIsStoredToBeRevalidated() {
    assertThat(
            CachePolicy.notStorable(
                200, h("Cache-Control", "no-cache", "ETag", "\"v1\""), false, NOW))
        .isNull();
    assertThat(CachePolicy.notStorable(200, h("Last-Modified", httpDate(NOW - 60_000)), false, NOW))
        .isNull();
  }

  @Test
  void responsesToAuthorizedRequestsAreStoredOnlyWhenTheySayTheyMayBeShared() {
    assertThat(CachePolicy.notStorable(200, h("Cache-Control", "max-age=60"), true, NOW))
        .isEqualTo("authorization");
    assertThat(CachePolicy.notStorable(200, h("Cache-Control", "public, max-age=60"), true, NOW))
        .isNull();
    assertThat(CachePolicy.notStorable(200, h("Cache-Control", "s-maxage=60"), true, NOW)).isNull();
    assertThat(
            CachePolicy.notStorable(
                200, h("Cache-Control", "must-revalidate, max-age=60"), true, NOW))
        .isNull();
  }

  @Test
  void sharedMaxAgeWinsOverMaxAgeWhichWinsOverExpires() {
    String in120 = httpDate(NOW + 120_000);
    assertThat(
            CachePolicy.freshnessLifetime(
                h("Cache-Control", "max-age=10, s-maxage=20", "Expires", in120), NOW))
        .isEqualTo(20);
    assertThat(
            CachePolicy.freshnessLifetime(h("Cache-Control", "max-age=10", "Expires", in120), NOW))
        .isEqualTo(10);
    assertThat(CachePolicy.freshnessLifetime(h("Date", httpDate(NOW), "Expires", in120), NOW))
        .isEqualTo(120);
    assertThat(CachePolicy.freshnessLifetime(h("Expires", "0"), NOW)).isZero(); // invalid: stale
    assertThat(CachePolicy.freshnessLifetime(h("Cache-Control", "no-cache, max-age=60"), NOW))
        .isZero();
    assertThat(CachePolicy.freshnessLifetime(h(), NOW)).isEqualTo(-1);
    assertThat(CachePolicy.freshnessLifetime(h("Cache-Control", "max-age=\"30\""), NOW))
        .isEqualTo(30);
    assertThat(CachePolicy.freshnessLifetime(h("Cache-Control", "max-age=soon"), NOW)).isZero();
  }

  @Test
  void theAgeAResponseArrivesWithCountsTheUpstreamAgeAndTheDelay() {
    // Age: 30 from an upstream cache, 2 s between request and response
    assertThat(CachePolicy.initialAge(h("Age", "30"), NOW - 2_000, NOW)).isEqualTo(32);
    // a Date 50 s in the past says the response is at least that old
    assertThat(CachePolicy.initialAge(h("Date", httpDate(NOW - 50_000)), NOW, NOW)).isEqualTo(50);
    assertThat(CachePolicy.initialAge(h(), NOW, NOW)).isZero();
  }

  @Test
  void cacheControlParsingIgnoresCaseQuotesAndCommasInQuotes() {
    CacheControl cc =
        CacheControl.parse(
            java.util.List.of("Max-Age=5, private=\"set-cookie, x-a\"", "no-transform"));
    assertThat(cc.seconds("max-age")).isEqualTo(5);
    assertThat(cc.has("private")).isTrue();
    assertThat(cc.has("no-transform")).isTrue();
    assertThat(cc.has("x-a\"")).isFalse();
    assertThat(cc.seconds("s-maxage")).isEqualTo(-1);
  }
}
