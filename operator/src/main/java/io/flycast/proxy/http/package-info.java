/**
 * Stage 2 for HTTP: one request at a time. {@code HttpProxyHandler} resolves each request's route
 * by Host ({@code RouteResolver}), checks it ({@code RequestChecks}, {@code AccessGate} for network
 * isolation, {@code RateLimitGate} for the route's rate limit) and hands it to a {@code
 * ProxyExchange}, a state machine ({@code ExchangeState}) whose phases each have one owner: {@code
 * DialPlan} dials a backend through {@link io.flycast.proxy.upstream} and {@code BackendLink} holds
 * it, {@code RequestBodyPump} forwards the request with the {@code fly-*} / {@code x-forwarded-*}
 * headers ({@code FlyHeaders}; {@code BodyPace}: how long a request body may take), {@code
 * ResponseRelay} readies the response head and streams the response back, {@code ReplayController}
 * follows {@code fly-replay} and says where the exchange goes next, {@code CacheGate} answers from
 * the route's response cache (a hit before any backend, a collapsed waiter's hit, a stale entry for
 * a failure) while {@code CollapsedWait} holds a request that waits for another's miss of its URL,
 * and every failure is one {@code ExchangeFailure}. Around it: {@code RequestRouting} ({@code
 * fly-force-*} / {@code fly-prefer-*} backend filters), {@code FlyReplay} and {@code ReplayBody}
 * ({@code fly-replay}), {@code WebSocketSwitch} (the 101 to an upgrade, then the exchange turned
 * into a raw relay), {@code HttpResponses} (the proxy's own error responses) and {@code
 * ServerCodec} (the HTTP/1.1 codec refusing ambiguous framing).
 *
 * <p>Separate because this is where HTTP semantics live: everything that reads or writes a header
 * is here, while how a connection is set up ({@link io.flycast.proxy.pipeline}) and how a backend
 * connection is obtained ({@link io.flycast.proxy.upstream}) are not.
 */
package io.flycast.proxy.http;
