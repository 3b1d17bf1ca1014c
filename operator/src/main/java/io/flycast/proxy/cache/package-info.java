/**
 * Per-route HTTP response caching, RFC 9111 semantics for a shared cache, with no Kubernetes types:
 * the rules ({@link io.flycast.proxy.cache.CachePolicy}), a route's stored responses ({@link
 * io.flycast.proxy.cache.RouteCache}), every route's on this replica under one byte cap ({@link
 * io.flycast.proxy.cache.ResponseCaches}), and the copy of a response on its way to the client
 * ({@link io.flycast.proxy.cache.ResponseTee}).
 *
 * <p><b>Where the lookup sits.</b> At the HTTP entry point ({@code proxy.http.CacheGate}, called by
 * the handler that serves both HTTP/1.1 and the streams of HTTP/2), after the access rules, the
 * https redirect and the rate limit, and before a backend is picked. A fresh hit is answered there
 * like the proxy's own responses: it touches neither the balancer nor a backend connection nor
 * autostart, so a cached route keeps answering what it has while its backends are stopped. A miss
 * or a stale entry goes on as any request does, and its response is copied on the relay path as it
 * streams to the client: nothing waits for the whole body before the client gets it.
 *
 * <p><b>Collapsed misses.</b> Identical cacheable misses that come while the first is in the air
 * wait for its response ({@link io.flycast.proxy.cache.MissFlights}), each with its own timer, and
 * look the cache up again when it is stored or known not to be: one backend request for a burst of
 * clients on a cold URL, and nobody waits past the first response's fate or the wait cap.
 *
 * <p><b>The key.</b> Each route has its own cache, so the route is part of the key; within it the
 * key is the client port, the Host header (lower-cased) and the request target with its whole
 * query, plus, for responses with {@code Vary}, the request's values of the fields it names. No
 * other request field is reflected into a stored response, and the method is not in the key: HEAD
 * is answered from what a GET stored.
 *
 * <p><b>Bodies.</b> A stored body is one direct (off-heap) buffer, copied once from the backend's
 * response while it streams (a known Content-Length sizes it exactly). Holding the backend's own
 * receive buffers instead would pin pooled chunks far larger than the body for as long as the entry
 * lives. Each hit sends a retained duplicate that shares the bytes, so nothing is copied per hit,
 * and the cache's reference is released when Caffeine drops the entry (eviction, replacement,
 * purge): the memory goes back when the last response sending it has been written.
 *
 * <p><b>Bounds.</b> Caffeine weighs each entry by its body plus a fixed allowance and bounds each
 * route's cache to its {@code maxSize}; stores that push the replica's total over {@code
 * --cache-max-size} drop the coldest entries at once. Bodies larger than the entry cap are never
 * held: their copy stops the moment it would outgrow the cap, and the response streams on.
 */
package io.flycast.proxy.cache;
