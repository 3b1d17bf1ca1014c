package io.flycast.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The admin HTTP server: probes, Prometheus and the status page (see {@link AdminEndpoints} for the
 * paths, {@link AdminAccess} for who may read which).
 *
 * <p>Off the data path and hard to starve: one event loop thread of its own (never one of the
 * proxy's) accepts and serves every connection without blocking, and {@link AdminLimits} bounds
 * what a client may send and for how long, so a flood of slow or idle connections is shed while
 * {@code /healthz} still answers at once. {@code /metrics} and {@code /debug/*} are rendered on one
 * more thread, with a bounded queue.
 *
 * <p>Usage: {@code new AdminServer(listen, endpoints, access, AdminLimits.DEFAULT).start()}, then
 * {@link #close()}.
 */
public final class AdminServer implements AutoCloseable {
  private final InetSocketAddress listen;
  private final EventLoopGroup loop;
  private final ThreadPoolExecutor render;
  private final ConnectionLimit connections;
  private final ServerBootstrap bootstrap;
  private volatile Channel listener;

  public AdminServer(
      InetSocketAddress listen, AdminEndpoints endpoints, AdminAccess access, AdminLimits limits) {
    this.listen = listen;
    DefaultThreadFactory loopThreads = new DefaultThreadFactory("flycast-admin", true);
    // Epoll when it loads, as the proxy does; one thread, since the work on it is tiny.
    boolean epoll = Epoll.isAvailable();
    this.loop =
        epoll ? new EpollEventLoopGroup(1, loopThreads) : new NioEventLoopGroup(1, loopThreads);
    Class<? extends ServerChannel> channelType =
        epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    // One render thread: rendering is CPU work, and the admin port should not take cores from
    // the proxy. The queue bound makes a scrape flood cost 503s, not memory.
    this.render =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(limits.renderQueue()),
            new DefaultThreadFactory("flycast-admin-render", true),
            new ThreadPoolExecutor.AbortPolicy());
    this.connections = new ConnectionLimit(limits.maxConnections());
    AdminHandler handler = new AdminHandler(endpoints, access, render);
    this.bootstrap =
        new ServerBootstrap()
            .group(loop) // the same thread accepts and serves: ConnectionLimit relies on it
            .channel(channelType)
            .option(ChannelOption.SO_BACKLOG, 128)
            .childOption(ChannelOption.AUTO_READ, false) // AdminHandler reads one request at a time
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    pipeline(ch.pipeline(), limits, handler);
                  }
                });
  }

  private void pipeline(ChannelPipeline p, AdminLimits limits, AdminHandler handler) {
    RequestReadTimeout requestTimeout =
        new RequestReadTimeout(
            limits.requestTimeout(),
            ctx ->
                AdminHandler.answerAndClose(
                    ctx,
                    AdminResponse.text(
                        HttpResponseStatus.REQUEST_TIMEOUT, "request not received in time\n")));
    p.addLast("limit", connections);
    p.addLast(
        "idle", new IdleStateHandler(0, 0, limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
    p.addLast("request-started", requestTimeout.bytes());
    p.addLast(
        "codec",
        new HttpServerCodec(
            new HttpDecoderConfig()
                .setMaxInitialLineLength(limits.maxRequestLine())
                .setMaxHeaderSize(limits.maxHeaderBytes())));
    p.addLast("request-ended", requestTimeout.requests());
    p.addLast(
        "no-bodies",
        new HttpObjectAggregator(limits.maxBodyBytes()) {
          @Override
          protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            AdminHandler.answerAndClose(
                ctx,
                AdminResponse.text(
                    HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    "request body too large: admin endpoints take no body\n"));
          }
        });
    p.addLast("one-at-a-time", new FlowControlHandler());
    p.addLast("admin", handler);
  }

  /**
   * Binds the listener, blocking until bound.
   *
   * @throws IllegalStateException if it cannot bind (the threads are released then)
   */
  public AdminServer start() {
    ChannelFuture bound = bootstrap.bind(listen).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      close();
      throw new IllegalStateException(
          "admin server cannot listen on " + listen + ": " + bound.cause().getMessage(),
          bound.cause());
    }
    listener = bound.channel();
    return this;
  }

  /** The bound address (with the actual port when listening on port 0). */
  public InetSocketAddress address() {
    return (InetSocketAddress) listener.localAddress();
  }

  /** Open admin connections now. */
  int openConnections() {
    return connections.count();
  }

  @Override
  public void close() {
    if (listener != null) {
      listener.close().awaitUninterruptibly();
    }
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    render.shutdownNow();
  }
}
