package io.flycast.proxy.http;

import io.flycast.catalog.Backend;
import io.flycast.proxy.ProxyContext;
import io.flycast.proxy.ProxyMetrics;
import io.flycast.proxy.RequestRecord;
import io.flycast.proxy.balance.Lease;
import io.flycast.proxy.cache.ResponseTee;
import io.flycast.proxy.upstream.BackendHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.Locale;

/**
 * One proxied HTTP request, as a state machine ({@link ExchangeState}): picks a backend, sends the
 * request, streams the response back, and retries on another backend when that is safe. Each phase
 * has one owner: where the request goes is {@link DialPlan}'s, the request body {@link
 * RequestBodyPump}'s, the response on its way to the client {@link ResponseRelay}'s, {@code
 * fly-replay} {@link ReplayController}'s, the wait for another request's miss {@link
 * CollapsedWait}'s, and what the cache answers in place of the backend {@link CacheGate}'s. Every
 * failure ends in {@link #fail}.
 *
 * <p>Load: the backend's lease is held for the exchange, whatever the route's concurrency type. A
 * backend HTTP/1.1 connection carries one request at a time, so in-flight requests and busy backend
 * connections are the same count; idle pooled connections count as nothing.
 *
 * <p>Retries: a failed connect always moves on to another backend. A request whose backend
 * connection fails before any response byte arrived is retried only if its method is idempotent and
 * no body bytes were sent (the body is not kept for retries).
 *
 * <p>A body the decoder finds malformed (a bad chunk size) aborts the backend request without
 * completing it, and is answered 400 when no response has started; one that comes too slowly
 * ({@link BodyPace}) gets 408.
 *
 * <p>Instance routing ({@link RequestRouting}): {@code fly-force-*} headers that leave no backend
 * able to take the request get a 503 naming the instance or region. Fly answers such requests with
 * an error too; 503 (with {@code Retry-After}) rather than 4xx because the request is valid and the
 * instance may be ready again soon, like any other "no backend right now".
 */
public final class ProxyExchange implements BackendHandler.Listener {
  /** Logged when the client went away before a response: nginx's "client closed request". */
  private static final int CLIENT_CLOSED = 499;

  private final ProxyContext px;
  private final HttpProxyHandler owner;
  private final Channel client;
  private final HttpRequest request;
  private final String requestId;
  private final boolean upgrade;

  /** HTTP/1.0 clients know no chunked encoding: unknown-length bodies end with the connection. */
  private final boolean http10Client;

  /** What the client's fly-force-* and fly-prefer-* headers ask for. */
  private final RequestRouting routing;

  private final RequestRecord record;
  private final DialPlan plan;
  private final RequestBodyPump body;
  private final ResponseRelay relay;
  private final ReplayController replay;

  /** The route's response cache on this request's way back; null when the route has none. */
  private final ResponseTee tee;

  /** The route's rate limit fields for the response; null when the route has no limit. */
  private final RateLimitGate.Pace limitPace;

  private ExchangeState state = ExchangeState.READING_REQUEST;

  /** The wait for another request's miss of this URL; null when the route has no cache. */
  private final CollapsedWait collapse;

  private final BackendLink backend;
  private boolean clientKeepAlive;
  private boolean responseKeepAlive;

  /** The status sent to the client, once the response head went. */
  private int status;

  ProxyExchange(
      ProxyContext px,
      HttpProxyHandler owner,
      ChannelHandlerContext clientCtx,
      HttpRequest request,
      RouteResolver.Target target,
      FlyHeaders.ClientInfo clientInfo,
      RequestRecord record,
      ResponseTee tee,
      RateLimitGate.Pace limitPace) {
    this.px = px;
    this.tee = tee;
    this.limitPace = limitPace;
    this.record = record;
    this.owner = owner;
    this.client = clientCtx.channel();
    this.clientKeepAlive = FlyHeaders.isKeepAlive(request);
    this.http10Client = request.protocolVersion().equals(HttpVersion.HTTP_1_0);
    this.upgrade = FlyHeaders.isUpgrade(request);
    boolean noBody = FlyHeaders.hasNoBody(request);
    this.requestId = FlyHeaders.newRequestId(px.config().zone());
    record.requestId(requestId);
    if (!request.headers().contains(HttpHeaderNames.HOST)) {
      request.headers().set(HttpHeaderNames.HOST, target.route().key().flycastHostname());
    }
    FlyHeaders.prepareRequest(
        request, upgrade, clientInfo, px.config().zone(), requestId, px.via());
    request.setProtocolVersion(HttpVersion.HTTP_1_1);
    this.request = request;
    this.routing = RequestRouting.of(request.headers());
    this.plan =
        new DialPlan(px, client, upgrade, target, routing, this::onConnected, this::dialFailed);
    this.replay =
        new ReplayController(
            px.metrics(),
            px.catalog()::current,
            request,
            client.eventLoop(),
            this::replayTimedOut,
            (from, to) -> AccessGate.mayReplay(px, from, to));
    BodyPace pace =
        noBody ? null : new BodyPace(px.config(), client.eventLoop(), this::bodyTimedOut);
    this.body =
        new RequestBodyPump(
            client, request, pace, () -> replay.mayReplayAgain() && !state.responseStarted());
    this.backend = new BackendLink(px.pool());
    this.relay =
        new ResponseRelay(client, record::sent, this::finish, () -> fail(ExchangeFailure.CLOSE));
    this.collapse = tee == null ? null : new CollapsedWait(client.eventLoop(), this::collapseWoken);
  }

  /** The request asks to switch protocols (WebSocket): after it, the client sends no HTTP. */
  boolean upgrade() {
    return upgrade;
  }

  boolean requestComplete() {
    return body.complete();
  }

  private void enter(ExchangeState next) {
    state = state.to(next);
  }

  void start() {
    if (collapse == null || !collapse.await(tee.following())) {
      go();
    }
  }

  /**
   * The miss this request waited for landed, or the wait is over ({@link CollapsedWait}, once):
   * answered from what it stored, or on to the backend.
   */
  private void collapseWoken() {
    if (state != ExchangeState.READING_REQUEST) {
      return;
    }
    FullHttpResponse hit = CacheGate.collapsed(px.config().zone(), tee, request, record);
    if (hit == null) {
      go();
      return;
    }
    body.release();
    replay.release();
    enter(ExchangeState.DONE);
    if (limitPace != null) {
      limitPace.apply(hit.headers());
    }
    owner.exchangeFailed(request, plan.route().key(), hit, body.complete(), clientKeepAlive);
  }

  private void go() {
    if (body.bufferFirst(upgrade)) {
      body.startBuffering(); // dials once the body is whole, or turns out too large to hold
    } else {
      dial();
    }
  }

  private void dial() {
    enter(ExchangeState.DIALING);
    plan.dial();
  }

  /** The client sent its body too slowly: 408, and the backend gets no request that looks whole. */
  private void bodyTimedOut() {
    if (state != ExchangeState.DONE) {
      px.metrics().violation("slow_request_body");
      abandon(HttpResponseStatus.REQUEST_TIMEOUT, "request body not received in time");
    }
  }

  /**
   * The client's body could not be decoded (a malformed chunk): the backend must not get a request
   * that looks whole. False when the exchange is already over.
   */
  boolean clientBodyFailed(String why) {
    if (state == ExchangeState.DONE) {
      return false;
    }
    abandon(HttpResponseStatus.BAD_REQUEST, "malformed request body: " + why);
    return true;
  }

  /** Something the client did ends the exchange; the backend never sees the request end. */
  private void abandon(HttpResponseStatus status, String why) {
    fail(ExchangeFailure.clientFault(status, why));
  }

  /** A piece of the request body from the client. */
  void clientContent(HttpContent content) {
    boolean over =
        state == ExchangeState.DONE || (state.responseStarted() && backend.channel() == null);
    if (body.offer(content, backend.channel(), over) == RequestBodyPump.Step.DIAL) {
      dial();
    }
  }

  private void dialFailed(ProxyMetrics.Unavailable reason, String detail) {
    if (state == ExchangeState.DONE) {
      return;
    }
    if (replay.canFallBack()) {
      plan.go(replay.fallBack(reason.name().toLowerCase(Locale.ROOT), plan.route().key()));
      return;
    }
    String host = plan.route().key().flycastHostname();
    px.metrics().unavailable(plan.route().key(), reason);
    if (replay.replays() == 0) {
      detail = routing.explain(host, reason, detail); // the client's fly-force-* left none
    }
    String name = host + (replay.replays() > 0 ? " (for fly-replay)" : "");
    int retryAfter = px.config().retryAfterSeconds();
    fail(
        ExchangeFailure.noBackend(
            reason, detail, name, retryAfter, body.complete(), clientKeepAlive));
  }

  private void onConnected(Lease l, Channel ch) {
    if (state == ExchangeState.DONE) {
      l.release();
      px.pool().release(ch, false);
      return;
    }
    enter(ExchangeState.AWAITING_RESPONSE);
    replay.reached(); // the replay succeeded, whatever the backend answers
    backend.attach(l, ch, this);
    record.backend(l.backend());
    body.sendTo(ch);
    ch.read();
  }

  @Override
  public void backendMessage(HttpObject msg) {
    if (state == ExchangeState.DONE) {
      ReferenceCountUtil.release(msg);
    } else if (msg instanceof HttpResponse resp) {
      onResponseHead(resp);
    } else if (msg instanceof HttpContent content) {
      onResponseContent(content);
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  private void onResponseHead(HttpResponse resp) {
    if (resp.status().codeClass() == HttpStatusClass.INFORMATIONAL
        && !resp.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
      relay.interim(resp, backend.channel());
      return;
    }
    boolean tooLarge = body.bodySent() && body.replayBodyOverflowed();
    if (replay.follow(resp.headers(), plan.route(), body.complete(), tooLarge)) {
      enter(ExchangeState.REPLAYING); // drop this response, then send the request where it asks
      responseKeepAlive = FlyHeaders.isKeepAlive(resp);
      backend.channel().read();
      return;
    }
    body.dropReplayCopy(); // this response goes to the client: no replay now
    status = resp.status().code();
    // Before the hop-by-hop headers go: "Connection: close" is one of them.
    responseKeepAlive = FlyHeaders.isKeepAlive(resp);
    FlyHeaders.prepareResponse(resp, requestId, px.via(), plan.port().http().responseHeaders());
    if (tee != null) {
      resp = tee.head(resp); // labelled; a 304 that validated the stored response becomes it
      status = resp.status().code();
    }
    if (limitPace != null) {
      limitPace.apply(resp.headers()); // after the tee copied what it stores: no entry keeps them
    }
    px.metrics().request(plan.route().key(), status);
    if (upgrade && resp.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
      switchProtocols(resp);
      return;
    }
    enter(ExchangeState.RELAYING);
    // Said on this response when leaving, so the client reconnects (through the Service, to a
    // replica that stays) before its next request, instead of finding the connection closed.
    boolean keepAlive = clientKeepAlive && !px.leaving();
    boolean headRequest = request.method().equals(HttpMethod.HEAD);
    clientKeepAlive = ResponseRelay.frame(resp, headRequest, http10Client, keepAlive);
    relay.head(resp);
  }

  /** A 101 to an upgrade request: once it is written, the connection is a raw relay. */
  private void switchProtocols(HttpResponse resp) {
    enter(ExchangeState.UPGRADING);
    resp.headers().set(HttpHeaderNames.CONNECTION, "upgrade");
    resp.headers().set(HttpHeaderNames.UPGRADE, request.headers().get(HttpHeaderNames.UPGRADE));
    client
        .writeAndFlush(resp)
        .addListener(
            f -> {
              if (!f.isSuccess() || state == ExchangeState.DONE) {
                fail(ExchangeFailure.CLOSE);
                return;
              }
              Channel relayed = backend.channel();
              Lease held = backend.handOver(); // released when the upgraded connection closes
              enter(ExchangeState.DONE);
              record.complete(plan.route().key(), status);
              WebSocketSwitch.toRelay(
                  client, relayed, owner, held, px.errors(), plan.route().key());
            });
  }

  private void onResponseContent(HttpContent content) {
    boolean last = content instanceof LastHttpContent;
    if (relay.interimEnd(content, backend.channel())) {
      return;
    }
    if (state == ExchangeState.UPGRADING) {
      content.release(); // the empty end of the 101; raw bytes follow once switched
    } else if (state == ExchangeState.REPLAYING) {
      content.release();
      if (last) {
        Backend from = backend.backend();
        backend.release(responseKeepAlive);
        replayTo(from);
      } else {
        backend.channel().read();
      }
    } else {
      if (last) {
        // The backend sent everything: it can serve the next request now.
        backend.release(body.complete() && responseKeepAlive);
      }
      relay.content(tee == null ? content : tee.content(content));
    }
  }

  /** Sends the request again where the response's {@code fly-replay} asked. */
  private void replayTo(Backend from) {
    FlyReplay asked = replay.pending();
    body.rewindForReplay(); // sent again once connected
    ReplayController.Hop hop = replay.replay(from, plan.route(), plan.port());
    if (hop != null) {
      enter(ExchangeState.DIALING);
      plan.go(hop);
      return;
    }
    fail(ExchangeFailure.replayNoRoute(asked.app(), clientKeepAlive));
  }

  /** The replay's {@code timeout=} passed before any backend of the target was reached. */
  private void replayTimedOut(Duration timeout) {
    if (state != ExchangeState.DIALING) {
      return;
    }
    plan.cancel(); // whatever the pending dial brings back is not wanted any more
    var key = plan.route().key();
    if (replay.canFallBack()) {
      plan.go(replay.fallBack("timeout", key));
      return;
    }
    px.metrics().unavailable(key, ProxyMetrics.Unavailable.CONNECT_FAILED);
    fail(ExchangeFailure.replayTimeout(key.flycastHostname(), timeout, clientKeepAlive));
  }

  @Override
  public void backendReadComplete() {
    if (state != ExchangeState.DONE) {
      relay.readComplete(backend.channel());
    }
  }

  /** The client's socket drained below its low water mark: the response may flow again. */
  void clientWritable() {
    relay.clientWritable(backend.channel());
  }

  private void finish() {
    if (state == ExchangeState.DONE) {
      return;
    }
    enter(ExchangeState.DONE);
    body.release();
    replay.release();
    if (tee != null) {
      tee.release();
    }
    record.complete(plan.route().key(), status);
    // A backend that answered before reading the whole body leaves the client mid-request.
    owner.exchangeDone(clientKeepAlive && body.complete());
  }

  @Override
  public void backendClosed() {
    if (state == ExchangeState.DONE || state == ExchangeState.UPGRADING) {
      return;
    }
    if (state == ExchangeState.REPLAYING) {
      // The fly-replay head came whole; the rest of the response it replaces does not matter.
      Backend from = backend.backend();
      backend.release(false);
      replayTo(from);
      return;
    }
    if (state.responseStarted()) {
      fail(ExchangeFailure.CLOSE); // mid-response: HTTP/1.1 can only tell the client by closing
      return;
    }
    body.backendLost();
    boolean reused = backend.reused();
    backend.release(false);
    if (!body.bodySent() && plan.mayRetry(request.method())) {
      if (reused) {
        plan.untry(backend.backend()); // a stale pooled connection; the backend may be fine
      }
      dial();
      return;
    }
    fail(ExchangeFailure.backendClosed(clientKeepAlive));
  }

  /** The client went away: give up the dial or the backend connection, it is mid-exchange. */
  void clientClosed() {
    fail(ExchangeFailure.CLIENT_GONE);
  }

  /**
   * Where every failure ends: gives up the dial, releases the body and the backend, then answers,
   * closes, or (the client gone) only records. Once the response started an answer is impossible:
   * the connection closes instead.
   */
  private void fail(ExchangeFailure failure) {
    plan.cancel();
    boolean answerable = state != ExchangeState.DONE && !state.responseStarted();
    FullHttpResponse stale =
        answerable // before the release below gives the stale body back
            ? CacheGate.staleInstead(tee, failure.answer(), requestId)
            : null;
    if (collapse != null) {
      collapse.cancel(); // ended while waiting (the client went away): no wake-up after this
    }
    body.release();
    replay.release();
    if (tee != null) {
      tee.release(); // a response cut short is not stored
    }
    if (failure.answer() != null && !answerable) {
      failure.answer().release(); // too late to answer: the response started, or all is over
    }
    if (state == ExchangeState.DONE) {
      if (failure.closes()) {
        client.close(); // a write of this exchange failed after it ended
      }
      return;
    }
    ExchangeFailure f = failure.answer() != null && !answerable ? ExchangeFailure.CLOSE : failure;
    enter(ExchangeState.DONE);
    backend.release(false);
    var key = plan.route().key();
    if (stale != null) {
      failure.answer().release();
      owner.exchangeFailed(request, key, stale, f.requestComplete(), f.keepAlive());
    } else if (f.answer() != null) {
      owner.exchangeFailed(request, key, f.answer(), f.requestComplete(), f.keepAlive());
    } else if (f.clientGone()) {
      record.complete(key, CLIENT_CLOSED);
    } else {
      record.complete(key, status != 0 ? status : CLIENT_CLOSED);
      client.close();
    }
  }
}
