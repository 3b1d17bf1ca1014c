/**
 * The Flycast data plane: a Netty proxy that forwards client connections to backends using the
 * routing table in {@link io.flycast.catalog}. Nothing here knows Kubernetes types.
 *
 * <p>Entry point: {@link io.flycast.proxy.ProxyServer}, configured by {@link
 * io.flycast.proxy.ProxyConfig}, counting into {@link io.flycast.proxy.ProxyMetrics}, with
 * certificates from a {@link io.flycast.proxy.tls.CertificateSource}.
 *
 * <p>The sub-packages follow a connection's data flow; read them in this order:
 *
 * <ol>
 *   <li>{@link io.flycast.proxy.pipeline}: the accepted client connection's pipeline. Shared
 *       HTTP(S) listener: {@code SharedHttpInitializer} (TLS by SNI for HTTPS, then {@code
 *       HttpPipeline}). Dedicated listeners ({@code ListenerManager} here, one per service port):
 *       {@code DedicatedChannelInitializer} finds the route by the local address and port and
 *       builds the pipeline from the port's handlers: {@code tls} / {@code pg_tls}, then {@code
 *       http} ({@code HttpPipeline}) or a raw relay, with {@code proxy_proto} headers on the
 *       backend side. Behind TLS, {@code AlpnHttpSwitch} builds the rest after the handshake,
 *       HTTP/1.1 or HTTP/2 ({@code Http2ServerPipeline}: each stream a child channel with its own
 *       {@code HttpProxyHandler}, behind {@code Http2FrameGuard}, {@code Http2ResetBudget}, {@code
 *       Http2StreamCheck}).
 *   <li>{@link io.flycast.proxy.tls}: TLS termination. {@code TlsHandlers} adds the handlers
 *       ({@code PgTlsHandler} for Postgres' SSLRequest); {@code TlsContexts} builds the contexts
 *       from the {@link io.flycast.proxy.tls.CertificateSource}'s {@link
 *       io.flycast.proxy.tls.ServerCertificate} per ALPN list (by default {@code h2, http/1.1} on
 *       HTTP ports), with OpenSSL (netty-tcnative BoringSSL) when it loads and the JDK's TLS
 *       otherwise ({@link io.flycast.proxy.tls.TlsProvider}).
 *   <li>{@link io.flycast.proxy.http}: per request. {@code HttpProxyHandler} resolves the route by
 *       Host ({@code RouteResolver}) and hands the request to a {@code ProxyExchange}; {@code
 *       RequestRouting} applies the client's {@code fly-force-*} / {@code fly-prefer-*} headers as
 *       a backend filter; {@code FlyReplay} handles a backend's {@code fly-replay}, resending
 *       bodies up to 1 MiB kept by {@code ReplayBody}; {@code WebSocketSwitch} turns an upgraded
 *       exchange into a relay.
 *   <li>{@link io.flycast.proxy.tcp}: raw TCP ports. {@code TcpProxyHandler} dials, {@code
 *       RelayHandler} copies bytes both ways.
 *   <li>{@link io.flycast.proxy.upstream}: backend connections. {@code BackendDialer} retries other
 *       backends on connect failure; HTTP backends come from the per-event-loop {@code
 *       BackendConnectionPool}: pooled HTTP/1.1 connections, h2c streams on one shared connection
 *       per backend ({@code Http2BackendPool}, for {@code http.h2_backend}), or, on {@code
 *       proxy_proto} + {@code http} ports, a connection per client connection starting with its
 *       PROXY header ({@code ClientBoundBackends}, {@code ProxyProtocolHeader}).
 *   <li>{@link io.flycast.proxy.balance}: which backend. The {@link
 *       io.flycast.proxy.balance.Balancer} (zone first, soft/hard limits, two random choices) over
 *       a {@link io.flycast.proxy.balance.LoadTracker}; {@code CapacityQueue} parks requests while
 *       all backends are full.
 * </ol>
 *
 * <p>This package holds what every stage shares: {@code ProxyContext} (the per-server context each
 * handler gets: config, catalog, metrics, errors, pool, balancer), {@code ListenerManager}, {@code
 * Transport}, {@code ClientChannels} (open client connections, for drain), {@code Channels}, {@code
 * ConnectionErrors}, {@code IdleTimeout} (client and backend channels), {@code Http2Adapters} and
 * {@code TrustedHeaderNames} (HTTP object adapters and header validation used by both the client
 * and the backend codecs), and the observability: {@code RequestRecord} writes one {@link
 * io.flycast.proxy.AccessLog} entry and the per-request metrics when the request ends, {@code
 * DurationHistogram} (docs/observability.md). The sub-packages depend on this one (ProxyContext)
 * and it on them (ProxyContext and ProxyServer build the stages); among the sub-packages there is
 * no cycle: {@code pipeline} uses {@code tls}, {@code http}, {@code tcp}; {@code http} uses {@code
 * tls}, {@code tcp}, {@code upstream}, {@code balance}; {@code tcp} uses {@code upstream}, {@code
 * balance}; {@code upstream} uses {@code balance}; {@code tls} and {@code balance} use none
 * (PackageRulesTest).
 *
 * <p>Threading: a client connection and its backend connections share one event loop; handlers keep
 * per-connection state without locks. Backpressure everywhere is "AUTO_READ off, read the next
 * chunk when the previous one was written".
 *
 * <p>Network isolation ({@link io.flycast.network.NetworkPolicy}, docs/networking.md): {@code
 * AccessGate} ({@code http}) is asked at the entry points: raw TCP at accept, HTTP per request,
 * {@code fly-replay app=} before replaying.
 */
package io.flycast.proxy;
