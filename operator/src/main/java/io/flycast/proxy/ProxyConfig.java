package io.flycast.proxy;

import io.flycast.proxy.tls.TlsProvider;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link ProxyServer}. Build with {@link #builder()}; every setting has a default fit
 * for production.
 *
 * @param httpAddress the shared HTTP listener (routes by Host header); {@code null} disables it
 * @param httpsAddress the shared HTTPS listener (certificate by SNI, then routes by Host); {@code
 *     null} (the default) disables it
 * @param dedicatedBindAddress address the per-port dedicated listeners bind (wildcard {@code ::} by
 *     default, so every Flycast address on the host is served; connections are routed by the local
 *     address they arrived on)
 * @param zone the proxy's zone (Fly region): preferred for backends, sent as {@code Fly-Region}
 * @param viaName pseudonym in {@code Via} headers
 * @param connectTimeout backend connect timeout
 * @param headerReadTimeout time a client has to send a complete request head before 408
 * @param bodyReadTimeout how long the proxy waits, in all, for a request body from the client, plus
 *     one second per {@code minBodyRate} bytes received (Apache's mod_reqtimeout {@code
 *     body=20,MinRate=500}); past it, 408 and the backend connection is dropped. Only time spent
 *     waiting on the client counts, not time the backend takes to read
 * @param minBodyRate bytes per second that earn a request body more time; see {@code
 *     bodyReadTimeout}
 * @param idleTimeout close client connections idle this long, noticed within a quarter more ({@link
 *     IdleTimeout}; shared listener; dedicated HTTP ports use their route's setting)
 * @param poolIdleTimeout close pooled idle backend connections after this long (within a quarter
 *     more)
 * @param shutdownGrace how long {@link ProxyServer#stop()} lets in-flight work finish
 * @param maxInitialLineLength longest request line accepted (longer gets 414)
 * @param maxHeaderSize largest request head accepted (larger gets 431)
 * @param writeBufferLowWaterMark channel becomes writable again below this many queued bytes
 * @param writeBufferHighWaterMark channel becomes unwritable above this many queued bytes
 * @param connectAttempts backends tried for one connection or request before giving up
 * @param retryAfterSeconds {@code Retry-After} on 503s
 * @param queueTimeout how long a request or connection waits for a slot when every backend of its
 *     route is at its hard limit, before a 503; zero refuses at once
 * @param maxQueuedPerRoute how many may wait per route; beyond it, 503 at once
 * @param startRetryWindow how long after a backend started for it (autostart) a request whose
 *     connect is refused tries again, with a short backoff, rather than failing: a backend ready by
 *     its probe may still be binding its port, and a refused connect sent nothing. Also how long
 *     work released by a cold start may wait for a slot when the backends started for it are at
 *     their hard limit (the next one is on its way). The autostart hold timeout.
 * @param preferEpoll use native epoll when available
 * @param workerThreads event loop threads; 0 = one per core, like nginx's and HAProxy's {@code
 *     auto} (each loop serves whole connections, client and backend side together, so more loops
 *     than cores only adds context switches)
 * @param dedicatedIpv6Only a dedicated listener on the IPv6 wildcard takes IPv6 only (Flycast
 *     addresses are IPv6), leaving the port free on IPv4 for whatever else runs on the host
 * @param accessLog write one access log line per HTTP request (on by default)
 * @param accessLogSink where access log lines go: {@link AccessLog#slf4j()} by default
 * @param tlsProvider which TLS implementation terminates TLS: by default {@link
 *     TlsProvider#fromEnvironment()}, i.e. {@link TlsProvider#AUTO} (OpenSSL when it loads, else
 *     the JDK's) unless {@code -Dflycast.tls.provider} or {@code FLYCAST_TLS_PROVIDER} says
 *     otherwise
 * @param cacheMaxBytes the response caches of every route together hold at most this many bytes on
 *     this replica ({@code --cache-max-size}, default {@link
 *     io.flycast.catalog.CacheSettings#DEFAULT_GLOBAL_MAX_BYTES})
 * @param rateLimitMaxKeys distinct keys each route's rate limit tracks at most on this replica, the
 *     least recently seen evicted ({@code --rate-limit-max-keys}, default {@link
 *     io.flycast.catalog.RateLimit#DEFAULT_MAX_KEYS})
 */
public record ProxyConfig(
    InetSocketAddress httpAddress,
    InetSocketAddress httpsAddress,
    InetAddress dedicatedBindAddress,
    String zone,
    String viaName,
    Duration connectTimeout,
    Duration headerReadTimeout,
    Duration bodyReadTimeout,
    int minBodyRate,
    Duration idleTimeout,
    Duration poolIdleTimeout,
    Duration shutdownGrace,
    int maxInitialLineLength,
    int maxHeaderSize,
    int writeBufferLowWaterMark,
    int writeBufferHighWaterMark,
    int connectAttempts,
    int retryAfterSeconds,
    Duration queueTimeout,
    int maxQueuedPerRoute,
    Duration startRetryWindow,
    boolean preferEpoll,
    int workerThreads,
    boolean dedicatedIpv6Only,
    boolean accessLog,
    AccessLog accessLogSink,
    TlsProvider tlsProvider,
    long cacheMaxBytes,
    int rateLimitMaxKeys) {

  public ProxyConfig {
    Objects.requireNonNull(accessLogSink, "accessLogSink");
    Objects.requireNonNull(dedicatedBindAddress, "dedicatedBindAddress");
    Objects.requireNonNull(viaName, "viaName");
    Objects.requireNonNull(tlsProvider, "tlsProvider");
    if (writeBufferLowWaterMark > writeBufferHighWaterMark) {
      throw new IllegalArgumentException("low water mark above high water mark");
    }
    Objects.requireNonNull(queueTimeout, "queueTimeout");
    if (queueTimeout.isNegative() || maxQueuedPerRoute < 0) {
      throw new IllegalArgumentException("queueTimeout and maxQueuedPerRoute must not be negative");
    }
    Objects.requireNonNull(bodyReadTimeout, "bodyReadTimeout");
    if (minBodyRate < 1) {
      throw new IllegalArgumentException("minBodyRate must be at least 1 byte per second");
    }
    if (connectAttempts < 1) {
      throw new IllegalArgumentException("connectAttempts must be at least 1");
    }
    if (cacheMaxBytes < 1) {
      throw new IllegalArgumentException("cacheMaxBytes must be at least 1");
    }
    if (rateLimitMaxKeys < 1) {
      throw new IllegalArgumentException("rateLimitMaxKeys must be at least 1");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Fluent builder; starts from the defaults. */
  public static final class Builder {
    private InetSocketAddress httpAddress =
        new InetSocketAddress(InetAddressParse.loopback(), 8080);
    private InetSocketAddress httpsAddress = null;
    private InetAddress dedicatedBindAddress = InetAddressParse.wildcard();
    private String zone = "local";
    private String viaName = "flycast";
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration headerReadTimeout = Duration.ofSeconds(10);
    private long cacheMaxBytes = io.flycast.catalog.CacheSettings.DEFAULT_GLOBAL_MAX_BYTES;
    private int rateLimitMaxKeys = io.flycast.catalog.RateLimit.DEFAULT_MAX_KEYS;
    private Duration bodyReadTimeout = Duration.ofSeconds(20);
    private int minBodyRate = 500;
    private Duration idleTimeout = Duration.ofSeconds(60);
    private Duration poolIdleTimeout = Duration.ofSeconds(30);
    private Duration shutdownGrace = Duration.ofSeconds(10);
    private int maxInitialLineLength = 8192;
    private int maxHeaderSize = 16 * 1024;
    private int writeBufferLowWaterMark = 32 * 1024;
    private int writeBufferHighWaterMark = 64 * 1024;
    private int connectAttempts = 3;
    private int retryAfterSeconds = 1;
    private Duration queueTimeout = Duration.ofSeconds(5);
    private int maxQueuedPerRoute = 1024;
    private Duration startRetryWindow = Duration.ofSeconds(30);
    private boolean preferEpoll = true;
    private int workerThreads = 0;
    private boolean dedicatedIpv6Only = false;
    private boolean accessLog = true;
    private AccessLog accessLogSink = AccessLog.slf4j();
    private TlsProvider tlsProvider = TlsProvider.fromEnvironment();

    public Builder httpAddress(InetSocketAddress v) {
      httpAddress = v;
      return this;
    }

    public Builder httpsAddress(InetSocketAddress v) {
      httpsAddress = v;
      return this;
    }

    public Builder dedicatedBindAddress(InetAddress v) {
      dedicatedBindAddress = v;
      return this;
    }

    public Builder zone(String v) {
      zone = v;
      return this;
    }

    public Builder viaName(String v) {
      viaName = v;
      return this;
    }

    public Builder connectTimeout(Duration v) {
      connectTimeout = v;
      return this;
    }

    public Builder headerReadTimeout(Duration v) {
      headerReadTimeout = v;
      return this;
    }

    public Builder bodyReadTimeout(Duration v) {
      bodyReadTimeout = v;
      return this;
    }

    public Builder minBodyRate(int bytesPerSecond) {
      minBodyRate = bytesPerSecond;
      return this;
    }

    public Builder idleTimeout(Duration v) {
      idleTimeout = v;
      return this;
    }

    public Builder poolIdleTimeout(Duration v) {
      poolIdleTimeout = v;
      return this;
    }

    public Builder shutdownGrace(Duration v) {
      shutdownGrace = v;
      return this;
    }

    public Builder maxInitialLineLength(int v) {
      maxInitialLineLength = v;
      return this;
    }

    public Builder maxHeaderSize(int v) {
      maxHeaderSize = v;
      return this;
    }

    public Builder connectAttempts(int v) {
      connectAttempts = v;
      return this;
    }

    public Builder retryAfterSeconds(int v) {
      retryAfterSeconds = v;
      return this;
    }

    /** How long work waits for a slot when every backend is at its hard limit (default 5 s). */
    public Builder queueTimeout(Duration v) {
      queueTimeout = v;
      return this;
    }

    /** How many requests or connections may wait per route (default 1024). */
    public Builder startRetryWindow(Duration v) {
      startRetryWindow = Objects.requireNonNull(v);
      return this;
    }

    public Builder maxQueuedPerRoute(int v) {
      maxQueuedPerRoute = v;
      return this;
    }

    public Builder preferEpoll(boolean v) {
      preferEpoll = v;
      return this;
    }

    public Builder workerThreads(int v) {
      workerThreads = v;
      return this;
    }

    public Builder dedicatedIpv6Only(boolean v) {
      dedicatedIpv6Only = v;
      return this;
    }

    /** Whether to write the access log (default true). */
    public Builder accessLog(boolean v) {
      accessLog = v;
      return this;
    }

    /** Where the access log goes (default {@link AccessLog#slf4j()}); tests collect it. */
    public Builder accessLogSink(AccessLog v) {
      accessLogSink = v;
      return this;
    }

    /** Which TLS implementation terminates TLS (default {@link TlsProvider#fromEnvironment()}). */
    public Builder tlsProvider(TlsProvider v) {
      tlsProvider = v;
      return this;
    }

    /** The replica's response cache size over every route, in bytes. */
    public Builder cacheMaxBytes(long v) {
      cacheMaxBytes = v;
      return this;
    }

    /** Distinct clients (or header values) a route's rate limit tracks at most, per replica. */
    public Builder rateLimitMaxKeys(int v) {
      rateLimitMaxKeys = v;
      return this;
    }

    public ProxyConfig build() {
      return new ProxyConfig(
          httpAddress,
          httpsAddress,
          dedicatedBindAddress,
          zone,
          viaName,
          connectTimeout,
          headerReadTimeout,
          bodyReadTimeout,
          minBodyRate,
          idleTimeout,
          poolIdleTimeout,
          shutdownGrace,
          maxInitialLineLength,
          maxHeaderSize,
          writeBufferLowWaterMark,
          writeBufferHighWaterMark,
          connectAttempts,
          retryAfterSeconds,
          queueTimeout,
          maxQueuedPerRoute,
          startRetryWindow,
          preferEpoll,
          workerThreads,
          dedicatedIpv6Only,
          accessLog,
          accessLogSink,
          tlsProvider,
          cacheMaxBytes,
          rateLimitMaxKeys);
    }
  }

  /** Literal addresses without DNS. */
  private static final class InetAddressParse {
    static InetAddress loopback() {
      return InetAddress.getLoopbackAddress();
    }

    static InetAddress wildcard() {
      try {
        return InetAddress.getByAddress(new byte[16]); // "::"
      } catch (java.net.UnknownHostException e) {
        throw new AssertionError(e);
      }
    }
  }
}
