/**
 * Stage 3: the backend side. {@code BackendDialer} asks {@link io.flycast.proxy.balance} for a
 * backend, connects, and retries other backends on connect failure (or waits in the capacity queue
 * when all are full); {@code BackendConnectionPool} keeps per-event-loop HTTP backend connections:
 * pooled HTTP/1.1, h2c streams on one shared connection per backend ({@code Http2BackendPool}), or
 * a connection per client connection starting with its PROXY header ({@code ClientBoundBackends},
 * {@code ProxyProtocolHeader}); {@code BackendHandler} ends a backend HTTP connection, passing what
 * arrives to its current listener.
 *
 * <p>Separate because it serves both HTTP and raw TCP and must not know either: it depends only on
 * {@link io.flycast.proxy.balance} and the shared root (PackageRulesTest enforces that).
 */
package io.flycast.proxy.upstream;
