package io.flycast.proxy.http;

import io.flycast.catalog.RouteKey;
import io.flycast.proxy.Channels;
import io.flycast.proxy.ClientChannels;
import io.flycast.proxy.ConnectionErrors;
import io.flycast.proxy.ProxyContext;
import io.flycast.proxy.RequestRecord;
import io.flycast.proxy.cache.ResponseTee;
import io.flycast.proxy.tls.TlsHandlers;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One client HTTP/1.1 connection: reads a request, answers it locally (errors, redirects) or hands
 * it to a {@link ProxyExchange}, and reads the next request only when the response is done.
 *
 * <p>Requests are served one at a time. Pipelined requests that the decoder has already parsed wait
 * in a queue; AUTO_READ is off, and nothing more is read from the socket while anything waits
 * there, so a client that pipelines requests without reading the responses holds at most one socket
 * read of them. Of those, at most {@link #MAX_PIPELINED} are kept: the connection closes once they
 * are answered, and the client sends the rest again on a new one (RFC 9112 section 9.3.2 lets a
 * server close with pipelined requests unanswered).
 */
public final class HttpProxyHandler extends ChannelInboundHandlerAdapter {
  public static final String NAME = "http-proxy";

  /** Pipelined requests kept waiting behind the one being served. */
  static final int MAX_PIPELINED = 32;

  private final ProxyContext px;
  private final RouteResolver resolver;
  private final ArrayDeque<Object> queued = new ArrayDeque<>();
  private int queuedRequests;

  /** More requests were pipelined than are kept: close once the kept ones are answered. */
  private boolean pipelineFull;

  private ChannelHandlerContext ctx;
  private ProxyExchange exchange;

  /** Drop body content of a request answered locally, up to its last content. */
  private boolean discardBody;

  private boolean closing;
  private ScheduledFuture<?> headerTimer;

  /** The client's address and the listener port, formatted once per connection. */
  private FlyHeaders.ClientInfo clientInfo;

  /** The request being answered, for the access log and request metrics. */
  private RequestRecord current;

  public HttpProxyHandler(ProxyContext px, RouteResolver resolver) {
    this.px = px;
    this.resolver = resolver;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ClientChannels.busy(ctx.channel(), false);
    // Slow-loris guard for the first request; later ones are bounded by the idle timeout.
    long ms = px.config().headerReadTimeout().toMillis();
    headerTimer = ctx.executor().schedule(this::headerTimeout, ms, TimeUnit.MILLISECONDS);
    ctx.read();
    ctx.fireChannelActive();
  }

  private void headerTimeout() {
    if (exchange == null && !closing && ctx.channel().isActive()) {
      respondAndClose(
          null,
          HttpResponses.text(
              HttpResponseStatus.REQUEST_TIMEOUT, "request headers not received in time", false));
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (closing || pipelineFull) {
      ReferenceCountUtil.release(msg);
    } else if (!acceptsMessages() || !queued.isEmpty()) {
      if (msg instanceof HttpRequest && ++queuedRequests > MAX_PIPELINED) {
        pipelineFull = true; // this request and everything after it are dropped
        px.metrics().violation("pipelined_requests");
        ReferenceCountUtil.release(msg);
        return;
      }
      queued.add(msg); // a pipelined request: its turn comes when the current one is answered
    } else {
      dispatch(msg);
    }
  }

  private void dispatch(Object msg) {
    if (msg instanceof HttpRequest req) {
      onRequest(req);
    } else if (msg instanceof HttpContent content) {
      if (content.decoderResult().isFailure()) {
        bodyFailed(content);
      } else if (exchange != null) {
        exchange.clientContent(content);
        if (content instanceof LastHttpContent && exchange != null && !exchange.upgrade()) {
          readAhead();
        }
      } else {
        content.release();
        if (discardBody && content instanceof LastHttpContent) {
          discardBody = false;
          readNext();
        }
      }
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  /**
   * A body the decoder could not read (a malformed chunk size or extension): the decoder still
   * hands out a last content, which must not complete the backend's request as if the body were
   * whole. Nothing after it on this connection can be trusted either.
   */
  private void bodyFailed(HttpContent content) {
    String why = String.valueOf(content.decoderResult().cause().getMessage());
    content.release();
    px.metrics().violation("malformed_body");
    ProxyExchange failed = exchange;
    if (failed == null || !failed.clientBodyFailed(why)) {
      closing = true;
      ctx.close();
    }
  }

  private void onRequest(HttpRequest req) {
    if (headerTimer != null) {
      headerTimer.cancel(false);
      headerTimer = null;
    }
    ClientChannels.busy(ctx.channel(), true);
    current =
        new RequestRecord(
            px,
            req,
            ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null);
    DecoderResult result = req.decoderResult();
    if (result.isFailure()) {
      px.metrics().violation("malformed_request");
      respondAndClose(null, badRequest(result.cause()));
      return;
    }
    RequestChecks.Problem problem =
        RequestChecks.http1Problem(req, ctx.channel() instanceof Http2StreamChannel);
    if (problem != null) {
      px.metrics().violation("refused_request_" + problem.reason());
      // Closed after: what follows a request the proxy could not read right cannot be trusted.
      respondAndClose(
          null,
          HttpResponses.text(
              HttpResponseStatus.valueOf(problem.status()), problem.detail(), false));
      return;
    }
    RouteResolver.Target target = resolver.resolve(px.catalog().current(), req);
    if (target == null) {
      String host = req.headers().get(HttpHeaderNames.HOST, "");
      respondLocally(
          req,
          null,
          HttpResponses.text(
              HttpResponseStatus.NOT_FOUND,
              "no service is named '" + host + "'",
              canKeepAlive(req)));
      return;
    }
    RouteKey key = target.route().key();
    FullHttpResponse refused = AccessGate.refusal(px, ctx.channel(), target.route());
    if (refused != null) {
      respondLocally(req, key, refused);
      return;
    }
    if (target.port().forceHttps() && !TlsHandlers.isTls(ctx.pipeline())) {
      String location = "https://" + hostWithoutPort(req) + req.uri();
      respondLocally(req, key, HttpResponses.redirect(location, canKeepAlive(req)));
      return;
    }
    if (clientInfo == null) {
      InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
      InetSocketAddress local = (InetSocketAddress) ctx.channel().localAddress();
      clientInfo =
          new FlyHeaders.ClientInfo(
              remote.getAddress(), local.getPort(), TlsHandlers.isTls(ctx.pipeline()));
    }
    Object limit =
        RateLimitGate.check(px, target.route(), req, clientInfo.ip(), current, canKeepAlive(req));
    if (limit instanceof FullHttpResponse limited) {
      respondLocally(req, key, limited);
      return;
    }
    RateLimitGate.Pace pace = (RateLimitGate.Pace) limit;
    Object cached = CacheGate.consult(px, target, req, current);
    if (cached instanceof FullHttpResponse hit) {
      if (pace != null) {
        pace.apply(hit.headers());
      }
      respondLocally(req, key, hit);
      return;
    }
    exchange =
        new ProxyExchange(
            px, this, ctx, req, target, clientInfo, current, (ResponseTee) cached, pace);
    exchange.start();
  }

  private static FullHttpResponse badRequest(Throwable cause) {
    if (cause instanceof TooLongHttpHeaderException) {
      return HttpResponses.text(
          HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request headers too large", false);
    }
    if (cause instanceof TooLongHttpLineException || cause instanceof TooLongFrameException) {
      return HttpResponses.text(
          HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line too long", false);
    }
    if (cause instanceof ServerCodec.AmbiguousFramingException) {
      return HttpResponses.text(
          HttpResponseStatus.BAD_REQUEST,
          "request has both Content-Length and Transfer-Encoding; refusing ambiguous framing",
          false);
    }
    return HttpResponses.text(
        HttpResponseStatus.BAD_REQUEST, "malformed request: " + cause.getMessage(), false);
  }

  private static String hostWithoutPort(HttpRequest req) {
    String host = req.headers().get(HttpHeaderNames.HOST, "");
    if (host.startsWith("[")) {
      int end = host.indexOf(']');
      return end > 0 ? host.substring(0, end + 1) : host;
    }
    int colon = host.indexOf(':');
    return colon < 0 ? host : host.substring(0, colon);
  }

  /**
   * Keep the connection after a locally answered request only when it has no body: reading and
   * discarding an unknown-size body for a request already refused is not worth it.
   */
  private static boolean canKeepAlive(HttpRequest req) {
    return FlyHeaders.isKeepAlive(req) && FlyHeaders.hasNoBody(req);
  }

  /** Answers a request without a backend; keeps the connection if the response allows. */
  void respondLocally(HttpRequest req, RouteKey route, FullHttpResponse resp) {
    if (req == null || !canKeepAlive(req) || !HttpUtil.isKeepAlive(resp) || px.leaving()) {
      respondAndClose(route, resp);
      return;
    }
    px.metrics().request(route, resp.status().code());
    completeLocal(route, resp);
    discardBody = true; // the request's (empty) last content is still to come
    ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
  }

  private void respondAndClose(RouteKey route, FullHttpResponse resp) {
    closing = true;
    resp.headers().set(HttpHeaderNames.CONNECTION, "close");
    px.metrics().request(route, resp.status().code());
    completeLocal(route, resp);
    ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
  }

  /** Logs a response the proxy made itself; called before writing it (the write releases it). */
  private void completeLocal(RouteKey route, FullHttpResponse resp) {
    if (current != null) {
      current.sent(resp.content().readableBytes());
      current.complete(route, resp.status().code());
      current = null;
    }
  }

  /**
   * Called by the exchange when it answers in place of a backend's response: with its own error
   * (503, 502, 504, 400, 408), or with the cache's answer (a collapsed waiter's hit, a stale entry
   * for a failure). Sent as the handler's own responses are. {@code clientKeepAlive} is what the
   * client asked for: the request itself has had its hop-by-hop headers (Connection: close among
   * them) stripped for the backend by now.
   */
  void answerInstead(
      HttpRequest req,
      RouteKey route,
      FullHttpResponse resp,
      boolean requestComplete,
      boolean clientKeepAlive) {
    exchange = null;
    if (requestComplete) {
      discardBody = false;
      if (clientKeepAlive && canKeepAlive(req) && HttpUtil.isKeepAlive(resp) && !px.leaving()) {
        px.metrics().request(route, resp.status().code());
        completeLocal(route, resp);
        ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        readNext();
      } else {
        respondAndClose(route, resp);
      }
    } else if (clientKeepAlive) {
      respondLocally(req, route, resp);
    } else {
      respondAndClose(route, resp);
    }
  }

  /** Called by the exchange once its response was written to the client. */
  void exchangeDone(boolean keepAlive) {
    exchange = null;
    current = null;
    if (!keepAlive || px.draining()) {
      closing = true;
      Channels.flushAndClose(ctx.channel());
      return;
    }
    readNext();
  }

  /** Called by the exchange when the connection became a raw relay (WebSocket). */
  void upgraded() {
    exchange = null;
    closing = true; // no more HTTP on this connection; the relay owns it now
    ctx.pipeline().remove(this);
  }

  /** Serves queued pipelined requests, or reads the next one from the socket. */
  private void readNext() {
    while (!closing && !queued.isEmpty() && acceptsMessages()) {
      Object next = queued.poll();
      if (next instanceof HttpRequest) {
        queuedRequests--;
      }
      dispatch(next);
    }
    if (exchange == null && !closing && pipelineFull) {
      closing = true; // the kept pipelined requests are answered; the dropped ones go elsewhere
      Channels.flushAndClose(ctx.channel());
      return;
    }
    if (exchange == null && !closing) {
      if (!discardBody) {
        ClientChannels.busy(ctx.channel(), false);
      }
      ctx.read();
    }
  }

  /**
   * The request is whole and its exchange goes on: keep a read pending meanwhile. With AUTO_READ
   * off, a read that ends with none pending makes the epoll transport take the socket out of its
   * interest set, and the next read puts it back: two epoll_ctl calls per request. Reading ahead
   * costs at most one socket read: pipelined requests it brings wait in {@link #queued}, and a
   * client that hangs up is noticed at once. Not for upgrades: what follows those is not HTTP.
   */
  private void readAhead() {
    if (queued.isEmpty() && !pipelineFull) {
      ctx.read();
    }
  }

  /** Whether a message read now belongs to the current request (or starts the next one). */
  private boolean acceptsMessages() {
    return exchange == null || !exchange.requestComplete();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (exchange != null && ctx.channel().isWritable()) {
      exchange.clientWritable();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      ctx.close();
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (headerTimer != null) {
      headerTimer.cancel(false);
    }
    if (exchange != null) {
      exchange.clientClosed();
      exchange = null;
    }
    Object m;
    while ((m = queued.poll()) != null) {
      ReferenceCountUtil.release(m);
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    px.errors().close(ctx, cause, ConnectionErrors.Kind.CLIENT_HTTP, null);
  }
}
