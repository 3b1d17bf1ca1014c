package io.flycast.proxy.http;

import io.flycast.catalog.Backend;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.Route;
import io.flycast.proxy.ProxyContext;
import io.flycast.proxy.ProxyMetrics;
import io.flycast.proxy.RequestRecord;
import io.flycast.proxy.balance.Lease;
import io.flycast.proxy.upstream.BackendDialer;
import io.flycast.proxy.upstream.BackendHandler;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * One proxied HTTP request: picks a backend, sends the request (streaming its body), streams the
 * response back, and retries on another backend when that is safe.
 *
 * <p>Backpressure both ways: the next body chunk is read from the client only after the previous
 * one was written to the backend, and the next response chunk is read from the backend only after
 * the previous one was written to the client. Nothing is buffered beyond one chunk, so streamed
 * responses (chunked, server-sent events) pass through as they come.
 *
 * <p>Load: the backend's lease is held for the exchange, whatever the route's concurrency type. A
 * backend HTTP/1.1 connection carries one request at a time, so in-flight requests and busy backend
 * connections are the same count; idle pooled connections count as nothing.
 *
 * <p>Retries: a failed connect always moves on to another backend. A request whose backend
 * connection fails before any response byte arrived is retried only if its method is idempotent and
 * no body bytes were sent (the body is not kept for retries).
 *
 * <p>Request bodies: a body of up to {@link #BUFFERED_BODY_LIMIT} bytes (by Content-Length, or
 * chunked and ending within it) is read whole before a backend is dialed, as nginx does, so a slow
 * client holds no backend slot while it sends; larger bodies stream. Either way the client must
 * keep up a minimum rate ({@link BodyPace}) or gets 408. A body the decoder finds malformed (a bad
 * chunk size) aborts the backend request without completing it, and is answered 400 when no
 * response has started.
 *
 * <p>fly-replay: the request body, up to {@link ReplayBody#LIMIT}, is kept until the response
 * starts so a replay can send it again; a larger body gets the original response.
 *
 * <p>Instance routing ({@link RequestRouting}): {@code fly-force-*} headers that leave no backend
 * able to take the request get a 503 naming the instance or region. Fly answers such requests with
 * an error too; 503 (with {@code Retry-After}) rather than 4xx because the request is valid and the
 * instance may be ready again soon, like any other "no backend right now".
 */
public final class ProxyExchange implements BackendHandler.Listener {
  private static final Set<HttpMethod> IDEMPOTENT =
      Set.of(
          HttpMethod.GET,
          HttpMethod.HEAD,
          HttpMethod.OPTIONS,
          HttpMethod.TRACE,
          HttpMethod.PUT,
          HttpMethod.DELETE);

  /** Bodies up to this size are read whole before dialing a backend. */
  static final int BUFFERED_BODY_LIMIT = 64 * 1024;

  /** Logged when the client went away before a response: nginx's "client closed request". */
  private static final int CLIENT_CLOSED = 499;

  private final ProxyContext px;
  private final HttpProxyHandler owner;
  private final Channel client;
  private final HttpRequest request;
  private Route route;
  private PortSpec port;
  private Predicate<Backend> filter = b -> true;

  /**
   * What the client's fly-force-* and fly-prefer-* headers ask for (see {@link RequestRouting}).
   */
  private final RequestRouting routing;

  /**
   * Backends to dial first (the client's fly-prefer-*, or a replay's preference); null when none,
   * or once they failed and any allowed backend will do.
   */
  private Predicate<Backend> preferred;

  private final String requestId;
  private boolean clientKeepAlive;

  /** HTTP/1.0 clients know no chunked encoding: unknown-length bodies end with the connection. */
  private final boolean http10Client;

  private final boolean upgrade;

  /**
   * The request has no body (no Content-Length above 0, not chunked): it goes to the backend in one
   * write, head and end together, and the empty last content the decoder sends after the head is
   * dropped.
   */
  private final boolean noBody;

  private final Set<String> tried = new HashSet<>();
  private final List<HttpContent> pendingBody = new ArrayList<>();

  /** The time the client takes to send the body; null when there is none. */
  private final BodyPace pace;

  /** Reading a small body whole before dialing; its bytes so far. */
  private boolean buffering;

  private int bufferedBytes;

  /** The body sent so far, for a fly-replay; only until the response starts or a replay is done. */
  private final ReplayBody replayBody = new ReplayBody();

  private Lease lease;
  private Channel backend;
  private int attempts;
  private boolean requestComplete;
  private boolean bodySent;

  /** The request's last content was written to the current backend. */
  private boolean lastSent;

  private boolean responseStarted;
  private boolean responseKeepAlive;
  private boolean skipInterimLast;
  private boolean upgrading;

  /** Dropping a response that asked for a replay; replay when it ends. */
  private FlyReplay replaying;

  /** Times this request was replayed (at most {@link FlyReplay#MAX_REPLAYS}). */
  private int replays;

  /**
   * Where a replay that cannot reach its target goes back to ({@code fallback=}); null when
   * nowhere.
   */
  private ReplayFallback fallback;

  /** The replay went back to where it came from: it may not be replayed again. */
  private boolean fellBack;

  /** The replay's {@code timeout=}; cancelled once connected. */
  private io.netty.util.concurrent.ScheduledFuture<?> replayTimer;

  /** Counts dials; a dial's callbacks are ignored once a newer one started (a replay timed out). */
  private int dialGeneration;

  /** The current dial, cancelled when the client goes or a replay gives up on it. */
  private BackendDialer dialer;

  private boolean done;

  /** The access log and metrics record of this request. */
  private final RequestRecord record;

  /** The status sent to the client, once the response head went. */
  private int status;

  /** Response parts were written to the client and wait for the end of the backend read. */
  private boolean unflushed;

  /** The client's socket is over its high water mark: read the backend once it drains. */
  private boolean awaitingWritable;

  /**
   * The response head, ready but not written yet: when the whole body comes in the same backend
   * read (most small responses), head and body go to the client as one message, one write.
   */
  private HttpResponse pendingHead;

  private final ChannelFutureListener abortOnFailure =
      f -> {
        if (!f.isSuccess()) {
          abort();
        }
      };

  ProxyExchange(
      ProxyContext px,
      HttpProxyHandler owner,
      ChannelHandlerContext clientCtx,
      HttpRequest request,
      RouteResolver.Target target,
      FlyHeaders.ClientInfo clientInfo,
      RequestRecord record) {
    this.px = px;
    this.record = record;
    this.owner = owner;
    this.client = clientCtx.channel();
    this.route = target.route();
    this.port = target.port();
    this.clientKeepAlive = FlyHeaders.isKeepAlive(request);
    this.http10Client = request.protocolVersion().equals(HttpVersion.HTTP_1_0);
    this.upgrade = FlyHeaders.isUpgrade(request);
    this.noBody = FlyHeaders.hasNoBody(request);
    this.pace = noBody ? null : new BodyPace(px.config(), client.eventLoop(), this::bodyTimedOut);
    this.requestId = FlyHeaders.newRequestId(px.config().zone());
    record.requestId(requestId);
    if (!request.headers().contains(HttpHeaderNames.HOST)) {
      request.headers().set(HttpHeaderNames.HOST, route.key().flycastHostname());
    }
    FlyHeaders.prepareRequest(
        request, upgrade, clientInfo, px.config().zone(), requestId, px.via());
    request.setProtocolVersion(HttpVersion.HTTP_1_1);
    this.request = request;
    this.routing = RequestRouting.of(request.headers());
    this.filter = routing.required();
    this.preferred = routing.prefers() ? routing.preferred() : null;
  }

  /** The request asks to switch protocols (WebSocket): after it, the client sends no HTTP. */
  boolean upgrade() {
    return upgrade;
  }

  boolean requestComplete() {
    return requestComplete;
  }

  void start() {
    if (bufferBodyFirst()) {
      buffering = true;
      readBody();
      return;
    }
    dial();
  }

  /**
   * Whether to read the body before dialing: when it is small or of unknown size (chunked, buffered
   * up to the limit), and the client is not waiting for a 100 Continue before sending it.
   */
  private boolean bufferBodyFirst() {
    return !noBody
        && !upgrade
        && !HttpUtil.is100ContinueExpected(request)
        && HttpUtil.getContentLength(request, -1L) <= BUFFERED_BODY_LIMIT;
  }

  /** Asks the client for more of the body, on the clock of {@link BodyPace}. */
  private void readBody() {
    pace.waiting();
    client.read();
  }

  /** The client sent its body too slowly: 408, and the backend gets no request that looks whole. */
  private void bodyTimedOut() {
    if (done) {
      return;
    }
    px.metrics().violation("slow_request_body");
    abandon(HttpResponseStatus.REQUEST_TIMEOUT, "request body not received in time");
  }

  /**
   * The client's body could not be decoded (a malformed chunk): the backend must not get a request
   * that looks whole. False when the exchange is already over.
   */
  boolean clientBodyFailed(String why) {
    if (done) {
      return false;
    }
    abandon(HttpResponseStatus.BAD_REQUEST, "malformed request body: " + why);
    return true;
  }

  /**
   * Ends the exchange for something the client did: drops the backend connection mid-request (so it
   * never sees the request end), and answers {@code status} and closes, or just closes when the
   * response has started.
   */
  private void abandon(HttpResponseStatus status, String why) {
    dialGeneration++;
    if (dialer != null) {
      dialer.cancel();
    }
    if (responseStarted) {
      abort();
      return;
    }
    done = true;
    releasePending();
    releaseBackend(false);
    owner.exchangeFailed(
        request, route.key(), HttpResponses.text(status, why, false), false, false);
  }

  private void dial() {
    Predicate<Backend> among = preferred != null ? preferred.and(filter) : filter;
    if (port.targetPortName() != null) {
      among =
          among.and(
              port::serves); // only pods that resolve the named port (no allocation otherwise)
    }
    int generation = ++dialGeneration;
    BackendDialer started =
        BackendDialer.dial(
            px,
            route,
            tried,
            among,
            this::connect,
            new BackendDialer.Callback() {
              @Override
              public void connected(Lease l, Channel ch) {
                if (generation != dialGeneration) {
                  l.release(); // a dial given up on (its replay timed out): another one took over
                  px.pool().release(ch, true);
                  return;
                }
                onConnected(l, ch);
              }

              @Override
              public void failed(ProxyMetrics.Unavailable reason, String detail) {
                if (generation != dialGeneration || done) {
                  return;
                }
                if (preferred != null && reason != ProxyMetrics.Unavailable.NOT_STARTED) {
                  // A preference, not a requirement: the preferred backends are out, so any allowed
                  // one will do.
                  preferred = null;
                  dial();
                  return;
                }
                if (fallback != null) {
                  fallBack(reason.name().toLowerCase(java.util.Locale.ROOT));
                  return;
                }
                px.metrics().unavailable(route.key(), reason);
                if (routing.forced()
                    && replays == 0
                    && (reason == ProxyMetrics.Unavailable.NO_BACKENDS
                        || reason == ProxyMetrics.Unavailable.AT_CAPACITY)) {
                  detail = routing.unavailable(route.key().flycastHostname(), reason);
                }
                fail(reason, detail);
              }

              @Override
              public boolean mayWaitForCapacity() {
                return preferred == null;
              }
            },
            client.eventLoop());
    // The dial may have failed and re-dialed (preferences, fallback) before returning: the inner,
    // newer dial is the live one then, and is already recorded.
    if (generation == dialGeneration) {
      dialer = started;
    }
  }

  private io.netty.util.concurrent.Future<Channel> connect(Lease l) {
    attempts++;
    InetSocketAddress address =
        new InetSocketAddress(l.backend().address(), port.targetPort(l.backend()));
    return px.pool().acquire(client, address, port, upgrade);
  }

  private void fail(ProxyMetrics.Unavailable reason, String detail) {
    releasePending();
    if (done) {
      return;
    }
    done = true;
    String name = route.key().flycastHostname() + (replays > 0 ? " (for fly-replay)" : "");
    var resp =
        switch (reason) {
          case NO_BACKENDS ->
              HttpResponses.unavailable(
                  detail != null ? detail : "no backend of " + name + " is ready to take requests",
                  px.config().retryAfterSeconds(),
                  true);
          case AT_CAPACITY ->
              HttpResponses.unavailable(
                  detail != null
                      ? detail
                      : "every backend of " + name + " is at its concurrency limit",
                  px.config().retryAfterSeconds(),
                  true);
          case NOT_STARTED ->
              HttpResponses.unavailable(
                  detail != null ? detail : "no backend of " + name + " could be started",
                  px.config().retryAfterSeconds(),
                  true);
          case CONNECT_FAILED ->
              HttpResponses.text(
                  HttpResponseStatus.BAD_GATEWAY,
                  "could not connect to any backend of " + name,
                  true);
        };
    owner.exchangeFailed(request, route.key(), resp, requestComplete, clientKeepAlive);
  }

  private void onConnected(Lease l, Channel ch) {
    if (done) {
      l.release();
      px.pool().release(ch, false);
      return;
    }
    cancelReplayTimer(); // reached: the replay succeeded, whatever the backend answers
    fallback = null;
    lease = l;
    backend = ch;
    record.backend(l.backend());
    BackendHandler.of(ch).attach(this);
    if (noBody) {
      lastSent = true;
      backend.writeAndFlush(
          new DefaultFullHttpRequest(
              request.protocolVersion(),
              request.method(),
              request.uri(),
              Unpooled.EMPTY_BUFFER,
              request.headers(),
              EmptyHttpHeaders.INSTANCE));
      backend.read();
      return;
    }
    ChannelFuture last = backend.write(request);
    boolean wroteLast = false;
    for (HttpContent c : pendingBody) {
      bodySent |= c.content().isReadable();
      wroteLast |= c instanceof LastHttpContent;
      keepForReplay(c);
      last = backend.write(c);
    }
    if (requestComplete && !lastSent && !wroteLast) {
      // A retry: the request (without body, or retries are not allowed) ended on the failed
      // backend.
      last = backend.write(LastHttpContent.EMPTY_LAST_CONTENT);
    }
    lastSent = requestComplete;
    pendingBody.clear();
    backend.flush();
    last.addListener(
        f -> {
          if (f.isSuccess() && !requestComplete && !done) {
            readBody();
          }
        });
    backend.read();
  }

  /** A piece of the request body from the client. */
  void clientContent(HttpContent content) {
    if (pace != null) {
      pace.received(content.content().readableBytes());
    }
    if (content instanceof LastHttpContent) {
      requestComplete = true;
      if (pace != null) {
        pace.stop();
      }
    }
    if (done || noBody || (responseStarted && backend == null)) {
      // The response is over, or the request went whole: the backend does not read this.
      content.release();
      return;
    }
    if (buffering) {
      pendingBody.add(content);
      bufferedBytes += content.content().readableBytes();
      if (requestComplete || bufferedBytes > BUFFERED_BODY_LIMIT) {
        buffering = false; // whole, or larger than buffered: the rest streams once connected
        dial();
      } else {
        readBody();
      }
      return;
    }
    if (backend == null) {
      pendingBody.add(content); // sent once connected
      return;
    }
    bodySent |= content.content().isReadable();
    boolean last = content instanceof LastHttpContent;
    lastSent |= last;
    keepForReplay(content);
    backend
        .writeAndFlush(content)
        .addListener(
            f -> {
              if (f.isSuccess() && !last && !done) {
                readBody();
              }
            });
  }

  @Override
  public void backendMessage(HttpObject msg) {
    if (done) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpResponse resp) {
      onResponseHead(resp);
    } else if (msg instanceof HttpContent content) {
      onResponseContent(content);
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  private void onResponseHead(HttpResponse resp) {
    boolean interim = resp.status().codeClass() == HttpStatusClass.INFORMATIONAL;
    if (interim && !resp.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
      skipInterimLast = true; // 100 Continue and friends: forwarded, but not the response yet
      Channel b = backend;
      client.writeAndFlush(resp).addListener(f -> b.read());
      return;
    }
    String replayHeader = resp.headers().get(FlyReplay.HEADER);
    FlyReplay replay = replayHeader == null || lease == null ? null : FlyReplay.parse(replayHeader);
    if (replay != null) {
      if (fellBack) {
        px.metrics().replay(route.key(), ProxyMetrics.ReplayOutcome.AFTER_FALLBACK);
      } else if (replays >= FlyReplay.MAX_REPLAYS) {
        px.metrics().replay(route.key(), ProxyMetrics.ReplayOutcome.TOO_MANY);
      } else if (!requestComplete) {
        px.metrics().replay(route.key(), ProxyMetrics.ReplayOutcome.BODY_INCOMPLETE);
      } else if (bodySent && replayBody.overflowed()) {
        px.metrics().replay(route.key(), ProxyMetrics.ReplayOutcome.BODY_TOO_LARGE);
      } else if (!AccessGate.mayReplay(px, route, replay.target(px.catalog().current(), route))) {
        px.metrics().replay(route.key(), ProxyMetrics.ReplayOutcome.REFUSED);
      } else {
        replaying = replay; // drop this response, then send the request where it asks
        responseKeepAlive = FlyHeaders.isKeepAlive(resp);
        backend.read();
        return;
      }
    }
    responseStarted = true;
    replayBody.release(); // this response goes to the client: no replay now
    status = resp.status().code();
    // Before the hop-by-hop headers go: "Connection: close" is one of them.
    responseKeepAlive = FlyHeaders.isKeepAlive(resp);
    FlyHeaders.prepareResponse(resp, requestId, px.via(), port.http().responseHeaders());
    if (upgrade && resp.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
      upgrading = true;
      resp.headers().set(HttpHeaderNames.CONNECTION, "upgrade");
      resp.headers().set(HttpHeaderNames.UPGRADE, request.headers().get(HttpHeaderNames.UPGRADE));
      px.metrics().request(route.key(), resp.status().code());
      client
          .writeAndFlush(resp)
          .addListener(
              f -> {
                if (f.isSuccess()) {
                  Lease held = lease;
                  lease = null; // now released when the upgraded connection closes
                  record.complete(route.key(), status);
                  WebSocketSwitch.toRelay(client, backend, owner, held, px.errors(), route.key());
                } else {
                  abort();
                }
              });
      return;
    }
    resp.setProtocolVersion(HttpVersion.HTTP_1_1);
    if (!HttpUtil.isContentLengthSet(resp) && mayHaveBody(resp)) {
      if (http10Client) {
        // Sent as it comes and delimited by closing the connection.
        HttpUtil.setTransferEncodingChunked(resp, false);
        clientKeepAlive = false;
      } else if (!FlyHeaders.isChunked(resp)) {
        // Body delimited by the backend closing: re-frame it as chunked for the client.
        HttpUtil.setTransferEncodingChunked(resp, true);
      }
    }
    if (px.leaving()) {
      // Said on this response, so the client reconnects (through the Service, to a replica that
      // stays) before its next request, instead of finding the connection closed under it.
      clientKeepAlive = false;
    }
    HttpUtil.setKeepAlive(resp, clientKeepAlive);
    px.metrics().request(route.key(), resp.status().code());
    pendingHead = resp; // written with the body if it came in this read, else when the read ends
  }

  private boolean mayHaveBody(HttpResponse resp) {
    int code = resp.status().code();
    return !request.method().equals(HttpMethod.HEAD) && code != 204 && code != 304;
  }

  private void onResponseContent(HttpContent content) {
    boolean last = content instanceof LastHttpContent;
    if (skipInterimLast && last) {
      // Forwarded (the encoder writes nothing for it) so the client encoder's state machine
      // sees the interim response end before the final one starts.
      skipInterimLast = false;
      Channel b = backend;
      client.writeAndFlush(content).addListener(f -> b.read());
      return;
    }
    if (upgrading) {
      content.release(); // the empty end of the 101; raw bytes follow once switched
      return;
    }
    if (replaying != null) {
      content.release();
      if (last) {
        Backend from = lease.backend();
        releaseBackend(responseKeepAlive);
        replay(replaying, from);
      } else {
        backend.read();
      }
      return;
    }
    if (last) {
      // The backend sent everything: it can serve the next request now.
      releaseBackend(requestComplete && responseKeepAlive);
    }
    if (last && pendingHead != null) {
      HttpResponse head = pendingHead;
      pendingHead = null;
      writeToClient(
          new DefaultFullHttpResponse(
              head.protocolVersion(),
              head.status(),
              content.content(),
              head.headers(),
              ((LastHttpContent) content).trailingHeaders()),
          true);
      return;
    }
    writePendingHead();
    writeToClient(content, last);
  }

  /** Sends the request again where a {@code fly-replay} header asked. */
  private void replay(FlyReplay replay, Backend from) {
    replaying = null;
    replays++;
    Route target = replay.target(px.catalog().current(), route);
    PortSpec targetPort = target == null ? null : FlyReplay.port(target, port);
    ReplayFallback back =
        replay.fallback() == FlyReplay.Fallback.NONE
            ? null
            : new ReplayFallback(replay, route, port, from);
    request.headers().set(FlyReplay.SOURCE_HEADER, FlyReplay.source(from, replay.state()));
    tried.clear();
    attempts = 0; // each hop has its own retry budget
    lastSent = false;
    pendingBody.addAll(replayBody.take()); // sent again once connected
    bodySent = false;
    if (targetPort == null) {
      px.metrics().replay(route.key(), ProxyMetrics.ReplayOutcome.NO_ROUTE);
      if (back != null) {
        fallback = back;
        fallBack("no_route");
        return;
      }
      releasePending();
      done = true;
      owner.exchangeFailed(
          request,
          route.key(),
          HttpResponses.text(
              HttpResponseStatus.BAD_GATEWAY,
              "fly-replay names app '" + replay.app() + "', which has no route here",
              true),
          true,
          clientKeepAlive);
      return;
    }
    px.metrics().replay(route.key(), ProxyMetrics.ReplayOutcome.REPLAYED);
    route = target;
    port = targetPort;
    filter = replay.filter(from); // the backend's wish replaces the client's fly-force/fly-prefer
    preferred = replay.preferred();
    fallback = back;
    cancelReplayTimer();
    if (replay.timeout() != null) {
      replayTimer =
          client
              .eventLoop()
              .schedule(
                  () -> replayTimedOut(replay.timeout()),
                  replay.timeout().toNanos(),
                  java.util.concurrent.TimeUnit.NANOSECONDS);
    }
    dial();
  }

  /**
   * Where a replay goes back to when it cannot reach its target: the backend that asked, on its
   * route.
   */
  private record ReplayFallback(FlyReplay replay, Route route, PortSpec port, Backend from) {}

  /** The replay's {@code timeout=} passed before any backend of the target was reached. */
  private void replayTimedOut(java.time.Duration timeout) {
    if (done || backend != null) {
      return;
    }
    dialGeneration++; // whatever the pending dial brings back is not wanted any more
    dialer.cancel();
    if (fallback != null) {
      fallBack("timeout");
      return;
    }
    px.metrics().unavailable(route.key(), ProxyMetrics.Unavailable.CONNECT_FAILED);
    releasePending();
    done = true;
    owner.exchangeFailed(
        request,
        route.key(),
        HttpResponses.text(
            HttpResponseStatus.GATEWAY_TIMEOUT,
            "fly-replay to "
                + route.key().flycastHostname()
                + " reached no backend within "
                + timeout.toMillis()
                + " ms",
            true),
        true,
        clientKeepAlive);
  }

  /**
   * The replay could not reach its target: send the request back to the backend that asked ({@code
   * fallback=force_self}), or to it first and then any backend of its route ({@code prefer_self}),
   * telling it why in {@code fly-replay-failed}. It may not replay again.
   */
  private void fallBack(String reason) {
    ReplayFallback back = fallback;
    fallback = null;
    fellBack = true;
    cancelReplayTimer();
    px.metrics().replay(back.route().key(), ProxyMetrics.ReplayOutcome.FELL_BACK);
    request
        .headers()
        .set(FlyReplay.FAILED_HEADER, back.replay().failure(reason, route.key().flycastHostname()));
    route =
        px.catalog().current().route(back.route().key()) != null
            ? px.catalog().current().route(back.route().key())
            : back.route();
    port = back.port();
    String self = back.from().name();
    boolean force = back.replay().fallback() == FlyReplay.Fallback.FORCE_SELF;
    filter = force ? b -> b.name().equals(self) : b -> true;
    preferred = force ? null : b -> b.name().equals(self);
    tried.clear();
    attempts = 0;
    dial();
  }

  private void cancelReplayTimer() {
    if (replayTimer != null) {
      replayTimer.cancel(false);
      replayTimer = null;
    }
  }

  /**
   * Passes response parts to the client. Only the last one is flushed here; the others are flushed
   * when the backend read that produced them is over ({@link #backendReadComplete}), so a response
   * whose head and body came in one read leaves in one write.
   */
  /** Writes the response head held back for merging with its body, if one is held. */
  private void writePendingHead() {
    HttpResponse head = pendingHead;
    if (head != null) {
      pendingHead = null;
      writeToClient(head, false);
    }
  }

  private void writeToClient(HttpObject msg, boolean last) {
    if (msg instanceof HttpContent c) {
      record.sent(c.content().readableBytes()); // now: the write releases it
    }
    if (last) {
      unflushed = false; // flushed with this
      client
          .writeAndFlush(msg)
          .addListener(
              f -> {
                if (f.isSuccess()) {
                  finish();
                } else {
                  abort();
                }
              });
    } else {
      unflushed = true;
      client.write(msg).addListener(abortOnFailure);
    }
  }

  @Override
  public void backendReadComplete() {
    if (done) {
      return;
    }
    writePendingHead(); // the body comes in a later read: the head goes now
    if (!unflushed) {
      return;
    }
    unflushed = false;
    client.flush();
    readBackendWhenClientWritable();
  }

  /** The client's socket drained below its low water mark: the response may flow again. */
  void clientWritable() {
    if (awaitingWritable) {
      readBackendWhenClientWritable();
    }
  }

  /** Backpressure: the next piece of the response is read only when the client can take it. */
  private void readBackendWhenClientWritable() {
    awaitingWritable = !client.isWritable();
    if (!awaitingWritable && backend != null) {
      backend.read();
    }
  }

  private void finish() {
    if (done) {
      return;
    }
    done = true;
    releasePending();
    record.complete(route.key(), status);
    // A backend that answered before reading the whole body leaves the client mid-request.
    owner.exchangeDone(clientKeepAlive && requestComplete);
  }

  @Override
  public void backendClosed() {
    if (done || upgrading) {
      return;
    }
    if (replaying != null) {
      // The fly-replay head came whole; the rest of the response it replaces does not matter.
      Backend from = lease.backend();
      releaseBackend(false);
      replay(replaying, from);
      return;
    }
    Channel failed = backend;
    lastSent = false;
    BackendHandler handler = failed == null ? null : BackendHandler.of(failed);
    boolean reused = handler != null && handler.reused();
    releaseBackend(false);
    if (!responseStarted) {
      if (!bodySent
          && IDEMPOTENT.contains(request.method())
          && attempts < px.config().connectAttempts() + 1) {
        if (reused && lease != null) {
          tried.remove(
              lease.backend().name()); // a stale pooled connection; the backend may be fine
        }
        dial();
        return;
      }
      releasePending(); // the body kept for a replay, if any: nobody sends it now
      done = true;
      owner.exchangeFailed(
          request,
          route.key(),
          HttpResponses.text(
              HttpResponseStatus.BAD_GATEWAY,
              "the backend closed the connection before responding",
              false),
          true,
          clientKeepAlive);
      return;
    }
    // Mid-response: the client cannot be told in HTTP/1.1 except by closing.
    abort();
  }

  /** The client went away: give up the dial or the backend connection, it is mid-exchange. */
  void clientClosed() {
    dialGeneration++; // nothing a pending dial reports back is wanted now
    if (dialer != null) {
      dialer.cancel();
    }
    releasePending();
    if (!done) {
      done = true;
      record.complete(route.key(), CLIENT_CLOSED);
      releaseBackend(false);
    }
  }

  private void abort() {
    done = true;
    releasePending();
    record.complete(route.key(), status != 0 ? status : CLIENT_CLOSED);
    releaseBackend(false);
    client.close();
  }

  /** Keeps a copy of body content going to the backend while a replay may still ask for it. */
  private void keepForReplay(HttpContent content) {
    if (replays < FlyReplay.MAX_REPLAYS && !fellBack && !responseStarted) {
      replayBody.keep(content);
    }
  }

  private void releaseBackend(boolean reusable) {
    if (lease != null) {
      lease.release();
    }
    if (backend != null) {
      Channel b = backend;
      backend = null;
      px.pool().release(b, reusable);
    }
  }

  private void releasePending() {
    if (pace != null) {
      pace.stop();
    }
    pendingBody.forEach(ReferenceCountUtil::release);
    pendingBody.clear();
    replayBody.release();
  }
}
