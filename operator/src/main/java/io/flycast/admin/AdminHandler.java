package io.flycast.admin;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers admin requests, one at a time per connection: the connection reads its next request only
 * once the current answer is written (auto-read is off and a {@code FlowControlHandler} holds
 * pipelined requests back), so answers rendered on another thread still go out in order.
 */
@ChannelHandler.Sharable
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);

  private final AdminEndpoints endpoints;
  private final AdminAccess access;
  private final Executor render;

  /**
   * @param render where {@code /metrics} and {@code /debug/*} are rendered; rejects work when full,
   *     which is answered 503
   */
  AdminHandler(AdminEndpoints endpoints, AdminAccess access, Executor render) {
    this.endpoints = endpoints;
    this.access = access;
    this.render = render;
  }

  /** What a request asks, kept past the request's release for an answer made later. */
  private record Ask(
      HttpVersion version,
      boolean headOnly,
      boolean keepAlive,
      String path,
      String accept,
      String peerCordons) {}

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.read(); // auto-read is off: read the first request
    ctx.fireChannelActive();
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    ConnectionLimit.answering(ctx.channel(), true);
    if (req.decoderResult().isFailure()) {
      send(
          ctx,
          new Ask(HttpVersion.HTTP_1_1, false, false, "", null, null),
          malformed(req.decoderResult().cause()));
      return;
    }
    boolean head = HttpMethod.HEAD.equals(req.method());
    Ask ask =
        new Ask(
            req.protocolVersion(),
            head,
            HttpUtil.isKeepAlive(req),
            new QueryStringDecoder(req.uri()).path(),
            req.headers().get(HttpHeaderNames.ACCEPT),
            req.headers().get(AdminEndpoints.PEER_CORDONS));
    boolean purge = AdminEndpoints.CACHE_PURGE.equals(ask.path());
    boolean allowed =
        purge ? HttpMethod.POST.equals(req.method()) : head || HttpMethod.GET.equals(req.method());
    if (!allowed) {
      String allow = purge ? "POST" : "GET, HEAD";
      send(
          ctx,
          ask,
          AdminResponse.text(
                  HttpResponseStatus.METHOD_NOT_ALLOWED,
                  "method not allowed: " + ask.path() + " takes " + allow + "\n")
              .withHeader("Allow", allow));
      return;
    }
    InetAddress client = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
    var refusal =
        access.refusal(
            ask.path(),
            client,
            req.headers().get(HttpHeaderNames.HOST),
            req.headers().get(HttpHeaderNames.AUTHORIZATION));
    if (refusal.isEmpty() && purge && req.headers().contains(HttpHeaderNames.ORIGIN)) {
      // A browser's cross-site form post to 127.0.0.1 carries an Origin: no web page may purge.
      refusal =
          java.util.Optional.of(
              AdminResponse.text(
                  HttpResponseStatus.FORBIDDEN, "forbidden: purges are not taken from browsers\n"));
    }
    if (refusal.isPresent()) {
      send(ctx, ask, refusal.get());
    } else if (purge) {
      var route = new QueryStringDecoder(req.uri()).parameters().get("route");
      send(ctx, ask, endpoints.purge(route == null ? null : route.get(0)));
    } else if (AdminEndpoints.rendered(ask.path())) {
      renderElsewhere(ctx, ask);
    } else {
      send(ctx, ask, answer(ask)); // constant answers and a boolean: cheaper than a thread hop
    }
  }

  /**
   * Renders off the event loop. Scraping the registry or walking a catalog of thousands of routes
   * takes milliseconds, /metrics is open to anyone who reaches the port, and the loop must stay
   * free to answer /healthz in microseconds however many scrapes arrive.
   */
  private void renderElsewhere(ChannelHandlerContext ctx, Ask ask) {
    try {
      render.execute(
          () -> {
            AdminResponse answer = answer(ask);
            ctx.executor().execute(() -> send(ctx, ask, answer));
          });
    } catch (RejectedExecutionException e) {
      send(
          ctx,
          ask,
          AdminResponse.text(
                  HttpResponseStatus.SERVICE_UNAVAILABLE,
                  "busy: too many /metrics and /debug renders waiting; retry\n")
              .withHeader("Retry-After", "1"));
    }
  }

  private AdminResponse answer(Ask ask) {
    try {
      return endpoints.answer(ask.path(), ask.accept(), ask.peerCordons());
    } catch (IOException | RuntimeException e) {
      log.warn("admin: rendering {} failed", ask.path(), e);
      return AdminResponse.text(
          HttpResponseStatus.INTERNAL_SERVER_ERROR,
          "internal error rendering " + ask.path() + "; the operator log says why\n");
    }
  }

  private static void send(ChannelHandlerContext ctx, Ask ask, AdminResponse answer) {
    boolean keepAlive = ask.keepAlive() && ctx.channel().isActive();
    ctx.writeAndFlush(answer.toHttp(ask.version(), ask.headOnly(), keepAlive))
        .addListener(
            (ChannelFutureListener)
                f -> {
                  ConnectionLimit.answering(f.channel(), false);
                  if (keepAlive && f.isSuccess()) {
                    ctx.read(); // the next request
                  } else {
                    f.channel().close();
                  }
                });
  }

  /**
   * Answers and closes, for what the connection cannot recover from: a head that never ended, a
   * body the admin port will not read. Used by the handlers before this one.
   */
  static void answerAndClose(ChannelHandlerContext ctx, AdminResponse answer) {
    ConnectionLimit.answering(ctx.channel(), true);
    ctx.writeAndFlush(answer.toHttp(HttpVersion.HTTP_1_1, false, false))
        .addListener(ChannelFutureListener.CLOSE);
  }

  /** The answer to a request the decoder gave up on; the connection closes after it. */
  private static AdminResponse malformed(Throwable cause) {
    if (cause instanceof TooLongHttpHeaderException) {
      return AdminResponse.text(
          HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request headers too large\n");
    }
    if (cause instanceof TooLongHttpLineException) {
      return AdminResponse.text(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line too long\n");
    }
    return AdminResponse.text(HttpResponseStatus.BAD_REQUEST, "malformed request\n");
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      ctx.close(); // a keep-alive connection nobody uses
    } else {
      ctx.fireUserEventTriggered(evt);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("admin connection from {} failed", ctx.channel().remoteAddress(), cause);
    ctx.close();
  }
}
