package io.flycast.health;

import io.flycast.catalog.HealthCheck;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs one check once against one backend, without blocking: a Netty connect (and, for HTTP, one
 * request) on the checker's event loop, failed by a timer if it takes longer than the check's
 * timeout. Reports exactly once, on that event loop. Autostart's early probing runs a pod's own
 * readiness probe with it too.
 */
public final class Probe {
  private final EventLoop loop;
  private final HealthCheck check;
  private final InetAddress address;
  private final Consumer<Boolean> done;
  private boolean finished;
  private Channel channel;
  private ScheduledFuture<?> timer;

  private Probe(EventLoop loop, HealthCheck check, InetAddress address, Consumer<Boolean> done) {
    this.loop = loop;
    this.check = check;
    this.address = address;
    this.done = done;
  }

  /**
   * Probes {@code address} on {@code loop}; {@code done} gets true on a pass. Call on {@code loop}.
   */
  public static void run(
      EventLoop loop, HealthCheck check, InetAddress address, Consumer<Boolean> done) {
    new Probe(loop, check, address, done).start();
  }

  private void start() {
    long timeoutMs = Math.max(1, check.timeout().toMillis());
    timer = loop.schedule(() -> finish(false), timeoutMs, TimeUnit.MILLISECONDS);
    ChannelFuture f =
        new Bootstrap()
            .group(loop)
            .channel(NioSocketChannel.class)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutMs))
            .option(ChannelOption.TCP_NODELAY, true)
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (check.kind() == HealthCheck.Kind.HTTP) {
                      ch.pipeline().addLast(new HttpClientCodec(), new ResponseStatus());
                    }
                  }
                })
            .connect(new InetSocketAddress(address, check.port()));
    channel = f.channel();
    f.addListener(
        (ChannelFuture cf) -> {
          if (!cf.isSuccess()) {
            finish(false);
          } else if (check.kind() == HealthCheck.Kind.TCP) {
            finish(true);
          } else {
            cf.channel()
                .writeAndFlush(request())
                .addListener(
                    w -> {
                      if (!w.isSuccess()) {
                        finish(false);
                      }
                    });
          }
        });
  }

  private FullHttpRequest request() {
    FullHttpRequest req =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1, HttpMethod.valueOf(check.method()), check.path());
    String host =
        address instanceof Inet6Address
            ? "[" + address.getHostAddress() + "]"
            : address.getHostAddress();
    req.headers().set(HttpHeaderNames.HOST, host + ":" + check.port());
    req.headers().set(HttpHeaderNames.USER_AGENT, "flycast-health-check");
    req.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    req.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
    for (Map.Entry<String, String> h : check.headers().entrySet()) {
      req.headers().set(h.getKey(), h.getValue()); // the check's own headers win, Host included
    }
    return req;
  }

  private void finish(boolean passed) {
    if (finished) {
      return;
    }
    finished = true;
    timer.cancel(false); // a probe per interval per backend: do not leave its timer queued
    if (channel != null) {
      channel.close();
    }
    done.accept(passed);
  }

  /** Passes on a 2xx or 3xx status line; anything else, or the connection closing first, fails. */
  private final class ResponseStatus extends SimpleChannelInboundHandler<HttpObject> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
      if (msg instanceof HttpResponse r) {
        int code = r.status().code();
        finish(code >= 200 && code < 400);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      finish(false);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      finish(false);
    }
  }
}
