package io.flycast;

import io.flycast.catalog.CacheSettings;
import io.flycast.catalog.RateLimit;
import io.flycast.proxy.tls.TlsProvider;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * How the proxy queues, times out and terminates TLS: the flags of {@link Main}, as a picocli
 * mixin, read into {@link FlycastConfig.ProxyTuning}.
 */
final class ProxyTuningFlags {

  @Option(
      names = "--queue-timeout",
      description =
          "How long a request or connection waits for a slot when every backend of its route is at"
              + " its hard limit; then 503 (0 = at once). Env FLYCAST_QUEUE_TIMEOUT.",
      defaultValue = "${env:FLYCAST_QUEUE_TIMEOUT:-5s}")
  String queueTimeout;

  @Option(
      names = "--max-queued",
      description =
          "Requests or connections that may wait per route for a slot; beyond this, 503 at once."
              + " Env FLYCAST_MAX_QUEUED.",
      defaultValue = "${env:FLYCAST_MAX_QUEUED:-1024}")
  int maxQueued;

  @Option(
      names = "--cache-max-size",
      description =
          "Bytes the response caches of every route hold together on this replica (64Mi, 1Gi, ...);"
              + " a route asking for more is Valid=False. Env FLYCAST_CACHE_MAX_SIZE.",
      defaultValue = "${env:FLYCAST_CACHE_MAX_SIZE:-256Mi}")
  String cacheMaxSize;

  @Option(
      names = "--rate-limit-max-keys",
      description =
          "Distinct clients (or header values) each route's rate limit tracks on this replica; the"
              + " least recently seen are forgotten beyond it (and start with a full budget). Env"
              + " FLYCAST_RATE_LIMIT_MAX_KEYS.",
      defaultValue = "${env:FLYCAST_RATE_LIMIT_MAX_KEYS:-" + RateLimit.DEFAULT_MAX_KEYS + "}")
  int rateLimitMaxKeys;

  @Option(
      names = "--header-read-timeout",
      description =
          "Time a client has to send its request head, its TLS ClientHello or its first Postgres"
              + " message; then 408 or close. Env FLYCAST_HEADER_READ_TIMEOUT.",
      defaultValue = "${env:FLYCAST_HEADER_READ_TIMEOUT:-10s}")
  String headerReadTimeout;

  @Option(
      names = "--body-read-timeout",
      description =
          "Time a request body may keep the proxy waiting, in all, plus 1 s per --min-body-rate"
              + " bytes received; then 408. Env FLYCAST_BODY_READ_TIMEOUT.",
      defaultValue = "${env:FLYCAST_BODY_READ_TIMEOUT:-20s}")
  String bodyReadTimeout;

  @Option(
      names = "--min-body-rate",
      description =
          "Bytes per second of request body that earn a second more of --body-read-timeout. Env"
              + " FLYCAST_MIN_BODY_RATE.",
      defaultValue = "${env:FLYCAST_MIN_BODY_RATE:-500}")
  int minBodyRate;

  @Option(
      names = "--proxy-threads",
      description =
          "Event loop threads of the proxy (0 = one per core). Env FLYCAST_PROXY_THREADS.",
      defaultValue = "${env:FLYCAST_PROXY_THREADS:-0}")
  int proxyThreads;

  @Option(
      names = "--tls-provider",
      description =
          "TLS implementation: auto (OpenSSL when it loads, else the JDK's), openssl (refuse to"
              + " start without it) or jdk. Env FLYCAST_TLS_PROVIDER; system property"
              + " flycast.tls.provider, as the embedded proxy reads.",
      defaultValue = "${sys:" + TlsProvider.PROPERTY + ":-${env:" + TlsProvider.ENV + ":-auto}}")
  String tlsProvider;

  /**
   * Blank (say, -Dflycast.tls.provider= with FLYCAST_TLS_PROVIDER set) falls through as the
   * embedded proxy's {@link TlsProvider#fromEnvironment()} does, down to auto.
   */
  TlsProvider tlsProvider() {
    return tlsProvider.isBlank() ? TlsProvider.fromEnvironment() : TlsProvider.parse(tlsProvider);
  }

  FlycastConfig.ProxyTuning tuning() {
    return new FlycastConfig.ProxyTuning(
        Main.duration(queueTimeout),
        maxQueued,
        proxyThreads,
        tlsProvider(),
        Main.duration(headerReadTimeout),
        Main.duration(bodyReadTimeout),
        minBodyRate,
        cacheSize(cacheMaxSize),
        rateLimitMaxKeys);
  }

  static long cacheSize(String s) {
    try {
      return CacheSettings.parseSize(s);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException("--cache-max-size: " + e.getMessage());
    }
  }
}
