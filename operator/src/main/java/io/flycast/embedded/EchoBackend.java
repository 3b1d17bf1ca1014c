package io.flycast.embedded;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The built-in workload of the embedded runtime: a small Netty HTTP/1.1 server, started as one
 * process per pod.
 *
 * <p>Configured by the environment: {@code BIND_ADDRESS} (default 127.0.0.1), {@code PORT}
 * (default 8080), {@code POD_NAME}, {@code START_DELAY_MS} (wait that long before listening, to
 * emulate a slow cold start) and {@code GRACE_SECONDS} (how long SIGTERM waits for in-flight
 * requests).
 *
 * <p>Every request gets 200 and JSON {@code {"pod":..., "method":..., "path":..., "headers":{...}}}
 * (and response header {@code x-echo-pod}), except: request header {@code x-echo-fly-replay: V}
 * answers with response header {@code fly-replay: V} and an empty body; {@code x-echo-delay-ms: N}
 * waits N ms first; {@code GET /sse} streams {@code data: n} events every 100 ms, 20 of them;
 * {@code /ws} is a WebSocket echo (text and binary frames come back as sent). Connections are
 * kept alive (HTTP/1.1). SIGTERM closes the listener, closes idle connections and lets in-flight
 * requests finish (up to the grace period), each connection closing after its last response.
 */
public final class EchoBackend {
  static final String REPLAY_REQUEST_HEADER = "x-echo-fly-replay";
  static final String DELAY_REQUEST_HEADER = "x-echo-delay-ms";
  static final int SSE_EVENTS = 20;
  static final long SSE_INTERVAL_MS = 100;
  private static final AttributeKey<AtomicInteger> IN_FLIGHT = AttributeKey.valueOf("echo.inFlight");

  private final String podName;
  private final EventLoopGroup group = new NioEventLoopGroup(1);
  private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Object idle = new Object();
  private volatile boolean stopping;
  private Channel server;

  private EchoBackend(String podName) {
    this.podName = podName;
  }

  /** Binds and starts serving. */
  public static EchoBackend start(InetSocketAddress bind, String podName) throws IOException {
    EchoBackend echo = new EchoBackend(podName);
    try {
      echo.server = new ServerBootstrap()
          .group(echo.group)
          .channel(NioServerSocketChannel.class)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              if (echo.stopping) {
                ch.close();
                return;
              }
              echo.connections.add(ch);
              ch.attr(IN_FLIGHT).set(new AtomicInteger());
              ch.pipeline()
                  .addLast(new HttpServerCodec())
                  .addLast(new HttpObjectAggregator(1 << 20))
                  .addLast(new WebSocketServerProtocolHandler("/ws", null, true))
                  .addLast(echo.new Handler());
            }
          })
          .bind(bind).sync().channel();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      echo.group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw new IOException("interrupted while binding " + bind, e);
    } catch (RuntimeException e) {
      echo.group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw new IOException("cannot bind " + bind + ": " + e.getMessage(), e);
    }
    return echo;
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) server.localAddress();
  }

  /** Stops accepting, waits up to {@code graceSeconds} for in-flight requests, then closes everything. */
  public synchronized void stop(int graceSeconds) {
    if (stopping) {
      return;
    }
    stopping = true;
    server.close().syncUninterruptibly();
    for (Channel ch : connections) {
      if (ch.attr(IN_FLIGHT).get().get() == 0) {
        ch.close();
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(graceSeconds);
    synchronized (idle) {
      while (inFlight.get() > 0 && System.nanoTime() < deadline) {
        try {
          idle.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    connections.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
  }

  private final class Handler extends SimpleChannelInboundHandler<Object> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof FullHttpRequest req) {
        request(ctx, req);
      } else if (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame) {
        ctx.writeAndFlush(((WebSocketFrame) msg).retainedDuplicate());
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  private void begin(ChannelHandlerContext ctx) {
    inFlight.incrementAndGet();
    ctx.channel().attr(IN_FLIGHT).get().incrementAndGet();
  }

  private void end(ChannelHandlerContext ctx, boolean keepAlive) {
    ctx.channel().attr(IN_FLIGHT).get().decrementAndGet();
    if (!keepAlive || stopping) {
      ctx.channel().close();
    }
    if (inFlight.decrementAndGet() == 0) {
      synchronized (idle) {
        idle.notifyAll();
      }
    }
  }

  private void request(ChannelHandlerContext ctx, FullHttpRequest req) {
    begin(ctx);
    boolean keepAlive = HttpUtil.isKeepAlive(req) && !stopping;
    long delay = 0;
    String d = req.headers().get(DELAY_REQUEST_HEADER);
    if (d != null) {
      try {
        delay = Math.max(0, Long.parseLong(d.trim()));
      } catch (NumberFormatException ignored) {
        // not a number: no delay
      }
    }
    String replay = req.headers().get(REPLAY_REQUEST_HEADER);
    boolean sse = HttpMethod.GET.equals(req.method()) && "/sse".equals(new QueryStringDecoder(req.uri()).path());
    Runnable respond;
    if (replay != null) {
      FullHttpResponse res = response(Unpooled.EMPTY_BUFFER, null);
      res.headers().set("fly-replay", replay);
      respond = () -> finish(ctx, res, keepAlive);
    } else if (sse) {
      respond = () -> sse(ctx, keepAlive);
    } else {
      boolean head = HttpMethod.HEAD.equals(req.method());
      byte[] body = json(req).getBytes(StandardCharsets.UTF_8);
      FullHttpResponse res = response(head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body), "application/json");
      if (head) {
        HttpUtil.setContentLength(res, body.length);
      }
      respond = () -> finish(ctx, res, keepAlive);
    }
    if (delay > 0) {
      ctx.executor().schedule(respond, delay, TimeUnit.MILLISECONDS);
    } else {
      respond.run();
    }
  }

  private FullHttpResponse response(ByteBuf body, String contentType) {
    FullHttpResponse res = new DefaultFullHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
    HttpUtil.setContentLength(res, body.readableBytes());
    res.headers().set("x-echo-pod", podName);
    if (contentType != null) {
      res.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
    }
    return res;
  }

  private void finish(ChannelHandlerContext ctx, FullHttpResponse res, boolean keepAlive) {
    boolean keep = keepAlive && !stopping;
    HttpUtil.setKeepAlive(res, keep);
    ctx.writeAndFlush(res).addListener((ChannelFutureListener) f -> end(ctx, keep));
  }

  private void sse(ChannelHandlerContext ctx, boolean keepAlive) {
    HttpResponse res = new DefaultHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream");
    res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
    res.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    res.headers().set("x-echo-pod", podName);
    HttpUtil.setKeepAlive(res, keepAlive);
    ctx.writeAndFlush(res);
    sseEvent(ctx, 1, keepAlive);
  }

  private void sseEvent(ChannelHandlerContext ctx, int n, boolean keepAlive) {
    if (!ctx.channel().isActive()) {
      end(ctx, false);
      return;
    }
    ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer("data: " + n + "\n\n", StandardCharsets.UTF_8)));
    if (n < SSE_EVENTS) {
      ctx.executor().schedule(() -> sseEvent(ctx, n + 1, keepAlive), SSE_INTERVAL_MS, TimeUnit.MILLISECONDS);
    } else {
      boolean keep = keepAlive && !stopping;
      ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener((ChannelFutureListener) f -> end(ctx, keep));
    }
  }

  private String json(FullHttpRequest req) {
    StringBuilder sb = new StringBuilder(256);
    sb.append("{\"pod\":").append(quote(podName))
        .append(",\"method\":").append(quote(req.method().name()))
        .append(",\"path\":").append(quote(req.uri()))
        .append(",\"headers\":{");
    Map<String, String> headers = new TreeMap<>();
    for (String name : req.headers().names()) {
      headers.put(name.toLowerCase(Locale.ROOT), String.join(",", req.headers().getAll(name)));
    }
    headers.remove(HttpHeaderNames.CONTENT_LENGTH.toString()); // set by the aggregator, not always by the client
    String cl = req.headers().get(HttpHeaderNames.CONTENT_LENGTH);
    if (cl != null && req.content().readableBytes() > 0) {
      headers.put("content-length", cl);
    }
    boolean first = true;
    for (var e : headers.entrySet()) {
      if (!first) {
        sb.append(',');
      }
      first = false;
      sb.append(quote(e.getKey())).append(':').append(quote(e.getValue()));
    }
    return sb.append("}}").toString();
  }

  static String quote(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }

  private static String env(String name, String dflt) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? dflt : v;
  }

  public static void main(String[] args) throws Exception {
    String host = env("BIND_ADDRESS", "127.0.0.1");
    int port = Integer.parseInt(env("PORT", "8080"));
    String pod = env("POD_NAME", "echo");
    long startDelay = Long.parseLong(env("START_DELAY_MS", "0"));
    int grace = Integer.parseInt(env("GRACE_SECONDS", "5"));
    if (startDelay > 0) {
      Thread.sleep(startDelay);
    }
    EchoBackend echo = start(new InetSocketAddress(host, port), pod);
    System.out.println("echo backend " + pod + " listening on " + host + ":" + echo.address().getPort());
    System.out.flush();
    // SIGTERM runs shutdown hooks: stop listening, let in-flight requests finish, then exit.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> echo.stop(grace), "echo-stop"));
    Thread.currentThread().join();
  }
}
