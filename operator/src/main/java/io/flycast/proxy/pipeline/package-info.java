/**
 * Stage 1: the accepted client connection. The channel initializers build each client pipeline:
 * {@code SharedHttpInitializer} for the shared HTTP(S) listener (TLS by SNI, then HTTP), {@code
 * DedicatedChannelInitializer} for a dedicated port (its route found by local address and port,
 * then the port's handlers: {@code tls} / {@code pg_tls}, then {@code http} or a raw TCP relay).
 * {@code HttpPipeline} adds the HTTP/1.1 codec and handler; after a TLS handshake {@code
 * AlpnHttpSwitch} picks HTTP/1.1 or HTTP/2; {@code Http2ServerPipeline} makes each HTTP/2 stream a
 * child channel with its own {@code HttpProxyHandler}, behind the edge guards ({@code
 * Http2FrameGuard}, {@code Http2ResetBudget}, {@code Http2StreamCheck}).
 *
 * <p>Separate because it only assembles: it decides which handlers a connection gets and in what
 * order, and hands the connection to {@link io.flycast.proxy.tls}, {@link io.flycast.proxy.http} or
 * {@link io.flycast.proxy.tcp}; nothing below it depends on it.
 */
package io.flycast.proxy.pipeline;
