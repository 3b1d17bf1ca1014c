/**
 * The Flycast data plane: a Netty proxy that forwards client connections to backends using the
 * routing table in {@link io.flycast.catalog}. Nothing here knows Kubernetes types.
 *
 * <p>Entry point: {@link io.flycast.proxy.ProxyServer}, configured by {@link
 * io.flycast.proxy.ProxyConfig}, counting into {@link io.flycast.proxy.ProxyMetrics}, with
 * certificates from a {@link io.flycast.proxy.tls.CertificateSource}.
 *
 * <p>How a connection flows:
 *
 * <ul>
 *   <li>Shared HTTP(S) listener: {@code SharedHttpInitializer} builds the pipeline (TLS by SNI for
 *       HTTPS, then {@code HttpPipeline}); {@code HttpProxyHandler} resolves each request's route
 *       by Host ({@code RouteResolver}) and hands it to a {@code ProxyExchange}.
 *   <li>Dedicated listeners ({@code ListenerManager}, one per service port): {@code
 *       DedicatedChannelInitializer} finds the route by the local address and port and builds the
 *       pipeline from the port's handlers: {@code tls} / {@code pg_tls} ({@code TlsHandlers},
 *       {@code PgTlsHandler}), then {@code http} ({@code HttpPipeline}) or a raw relay ({@code
 *       TcpProxyHandler}, {@code RelayHandler}), with {@code proxy_proto} headers on the backend
 *       side.
 *   <li>HTTP behind TLS: {@code AlpnHttpSwitch} builds the rest after the handshake, HTTP/1.1 or
 *       HTTP/2 ({@code Http2ServerPipeline}: each stream a child channel with its own {@code
 *       HttpProxyHandler}). ALPN offers the port's {@code tls.alpn}, by default {@code h2,
 *       http/1.1} on HTTP ports. {@code TlsContexts} builds the TLS contexts from the {@link
 *       io.flycast.proxy.tls.CertificateSource}'s {@link io.flycast.proxy.tls.ServerCertificate}
 *       per ALPN list, with OpenSSL (netty-tcnative BoringSSL) when it loads and the JDK's TLS
 *       otherwise ({@link io.flycast.proxy.tls.TlsProvider}).
 *   <li>Backends are chosen by the {@link io.flycast.proxy.balance.Balancer} (zone first, soft/hard
 *       limits, two random choices) over a {@link io.flycast.proxy.balance.LoadTracker}; {@code
 *       BackendDialer} retries other backends on connect failure; HTTP backends come from the
 *       per-event-loop {@code BackendConnectionPool}: pooled HTTP/1.1 connections, h2c streams on
 *       one shared connection per backend ({@code Http2BackendPool}, for {@code http.h2_backend}),
 *       or, on {@code proxy_proto} + {@code http} ports, a connection per client connection
 *       starting with its PROXY header ({@code ClientBoundBackends}).
 *   <li>Per request: {@code RequestRouting} applies the client's {@code fly-force-*} / {@code
 *       fly-prefer-*} headers as a backend filter; {@code FlyReplay} handles a backend's {@code
 *       fly-replay}, resending bodies up to 1 MiB kept by {@code ReplayBody}; {@code RequestRecord}
 *       writes one {@link io.flycast.proxy.AccessLog} entry and the per-request metrics when the
 *       request ends (docs/observability.md).
 * </ul>
 *
 * <p>Threading: a client connection and its backend connections share one event loop; handlers keep
 * per-connection state without locks. Backpressure everywhere is "AUTO_READ off, read the next
 * chunk when the previous one was written".
 *
 * <p>Network isolation ({@link io.flycast.network.NetworkPolicy}, docs/networking.md): {@code
 * AccessGate} is asked at the entry points: raw TCP at accept, HTTP per request, {@code fly-replay
 * app=} before replaying.
 */
package io.flycast.proxy;
