package io.flycast.proxy.http;

import io.flycast.catalog.Backend;
import io.flycast.proxy.ProxyContext;
import io.flycast.proxy.ProxyMetrics;
import io.flycast.proxy.RequestRecord;
import io.flycast.proxy.balance.Lease;
import io.flycast.proxy.cache.MissFlights;
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
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;

/**
 * One proxied HTTP request, as a state machine ({@link ExchangeState}): picks a backend, sends the
 * request, streams the response back, and retries on another backend when that is safe. Each phase
 * has one owner: where the request goes is {@link DialPlan}'s, the request body {@link
 * RequestBodyPump}'s, the response on its way to the client {@link ResponseRelay}'s, {@code
 * fly-replay} {@link ReplayController}'s, the wait for another request's miss {@link
 * CollapsedWait}'s, and what the cache answers in place of the backend {@link CacheGate}'s. Every
 * failure ends in {@link #fail}.
 *
 * <p>The backend's lease is held for the whole exchange ({@link BackendLink}). A failed connect
 * always moves on to another backend; a backend connection that fails before any response byte is
 * retried only when {@link DialPlan#mayRetry} allows and no body bytes were sent.
 *
 * <p>A body the decoder finds malformed (a bad chunk size) aborts the backend request without
 * completing it, and is answered 400 when no response has started; one that comes too slowly
 * ({@link BodyPace}) gets 408. A dial that finds no backend gets 503 ({@link
 * DialPlan#unavailable}).
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

  /** The wait for another request's miss of this URL; null unless the request follows one. */
  private CollapsedWait collapse;

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
    String host = target.route().key().flycastHostname();
    FlyHeaders.forBackend(
        request, upgrade, clientInfo, px.config().zone(), requestId, px.via(), host);
    this.request = request;
    RequestRouting routing = RequestRouting.of(request.headers());
    this.plan =
        new DialPlan(px, client, upgrade, target, routing, this::onConnected, this::dialFailed);
    this.replay = ReplayController.of(px, request, client.eventLoop(), this::replayTimedOut);
    BodyPace pace =
        noBody ? null : new BodyPace(px.config(), client.eventLoop(), this::bodyTimedOut);
    this.body =
        new RequestBodyPump(
            client, request, pace, () -> replay.mayReplayAgain() && !state.responseStarted());
    this.backend = new BackendLink(px.pool());
    this.relay =
        new ResponseRelay(client, record::sent, this::finish, () -> fail(ExchangeFailure.CLOSE));
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
    MissFlights.Flight flight = tee == null ? null : tee.following();
    if (flight != null) { // made only then: most requests of a caching route follow nothing
      collapse = CollapsedWait.await(client.eventLoop(), flight, this::collapseWoken);
    }
    if (collapse == null) {
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
    FullHttpResponse hit = CacheGate.collapsed(px.config().zone(), tee, request, record, limitPace);
    if (hit == null) {
      go();
      return;
    }
    body.release();
    replay.release();
    enter(ExchangeState.DONE);
    owner.answerInstead(request, plan.route().key(), hit, body.complete(), clientKeepAlive);
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
      fail(
          ExchangeFailure.clientFault(
              HttpResponseStatus.REQUEST_TIMEOUT, "request body not received in time"));
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
    // Something the client did ends the exchange; the backend never sees the request end.
    String malformed = "malformed request body: " + why;
    fail(ExchangeFailure.clientFault(HttpResponseStatus.BAD_REQUEST, malformed));
    return true;
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
    ReplayController.Hop back = replay.dialFailed(reason, plan.route().key());
    if (back != null) {
      plan.go(back);
      return;
    }
    boolean replayed = replay.replays() > 0;
    fail(plan.unavailable(reason, detail, replayed, body.complete(), clientKeepAlive));
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
    if (relay.interim(resp, backend.channel())) {
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
    // Before the hop-by-hop headers go: "Connection: close" is one of them.
    responseKeepAlive = FlyHeaders.isKeepAlive(resp);
    var extra = plan.port().http().responseHeaders();
    resp = ResponseRelay.prepare(resp, requestId, px.via(), extra, tee, limitPace);
    status = resp.status().code();
    px.metrics().request(plan.route().key(), status);
    if (upgrade && resp.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
      switchProtocols(resp);
      return;
    }
    enter(ExchangeState.RELAYING);
    // Said on this response when leaving, so the client reconnects (through the Service, to a
    // replica that stays) before its next request, instead of finding the connection closed.
    boolean keepAlive = clientKeepAlive && !px.leaving();
    boolean head = request.method().equals(HttpMethod.HEAD);
    clientKeepAlive = ResponseRelay.frame(resp, head, http10Client, keepAlive);
    relay.head(resp);
  }

  /** A 101 to an upgrade request: once it is written, the connection is a raw relay. */
  private void switchProtocols(HttpResponse resp) {
    enter(ExchangeState.UPGRADING);
    String protocol = request.headers().get(HttpHeaderNames.UPGRADE);
    Runnable broken = () -> fail(ExchangeFailure.CLOSE);
    WebSocketSwitch.answer(client, resp, protocol, this::switched, broken);
  }

  /** The 101 went: the backend connection and its lease are the relay's now. */
  private void switched() {
    if (state == ExchangeState.DONE) {
      fail(ExchangeFailure.CLOSE);
      return;
    }
    enter(ExchangeState.DONE);
    record.complete(plan.route().key(), status);
    WebSocketSwitch.toRelay(client, backend, owner, px.errors(), plan.route().key());
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
        replayDropped(responseKeepAlive);
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

  /**
   * The response asking for a {@code fly-replay} was dropped, whole: its backend connection goes
   * back ({@code reusable} or not), and the request goes where the replay asks.
   */
  private void replayDropped(boolean reusable) {
    Backend from = backend.backend();
    backend.release(reusable);
    body.rewindForReplay(); // sent again once connected
    replayNext(replay.replayed(from, plan.route(), plan.port(), clientKeepAlive));
  }

  /** The replay's {@code timeout=} passed before any backend of the target was reached. */
  private void replayTimedOut(Duration timeout) {
    if (state == ExchangeState.DIALING) {
      plan.cancel(); // whatever the pending dial brings back is not wanted any more
      replayNext(replay.timedOut(plan.route().key(), timeout, clientKeepAlive));
    }
  }

  /** Does what the replay controller says: dial its hop (again), or end. */
  private void replayNext(ReplayController.Next next) {
    if (next.hop() == null) {
      fail(next.failure());
      return;
    }
    enter(ExchangeState.DIALING);
    plan.go(next.hop());
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
    releaseAll();
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
      replayDropped(false);
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

  /** The exchange is over: the request body, the replay's timer and the cache tee go. */
  private void releaseAll() {
    body.release();
    replay.release();
    if (tee != null) {
      tee.release();
    }
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
    FullHttpResponse answer = answerable ? failure.answer() : null;
    if (failure.answer() != null && !answerable) {
      failure.answer().release(); // too late to answer: the response started, or all is over
    }
    // Before the release below gives the stale body back.
    FullHttpResponse stale = CacheGate.staleInstead(tee, answer, requestId, limitPace);
    if (stale != null) {
      answer.release();
      answer = stale;
    }
    if (collapse != null) {
      collapse.cancel(); // ended while waiting (the client went away): no wake-up after this
    }
    releaseAll(); // a response cut short is not stored
    if (state == ExchangeState.DONE) {
      if (failure.closes()) {
        client.close(); // a write of this exchange failed after it ended
      }
      return;
    }
    enter(ExchangeState.DONE);
    backend.release(false);
    var key = plan.route().key();
    if (answer != null) {
      owner.answerInstead(request, key, answer, failure.requestComplete(), failure.keepAlive());
    } else if (failure.clientGone()) {
      record.complete(key, CLIENT_CLOSED);
    } else {
      record.complete(key, status != 0 ? status : CLIENT_CLOSED);
      client.close();
    }
  }
}
