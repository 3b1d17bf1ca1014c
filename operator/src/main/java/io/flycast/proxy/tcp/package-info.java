/**
 * Stage 2 for raw TCP (ports without the {@code http} handler): {@code TcpProxyHandler} dials a
 * backend through {@link io.flycast.proxy.upstream} when the client connects, writes the PROXY
 * header on {@code proxy_proto} ports, then {@code RelayHandler} copies bytes both ways with
 * backpressure. HTTP reuses the relay after a WebSocket / Upgrade switch.
 *
 * <p>Separate because it knows no protocol at all: bytes in, bytes out, the backend lease held for
 * the connection's life.
 */
package io.flycast.proxy.tcp;
