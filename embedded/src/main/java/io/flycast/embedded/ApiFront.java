package io.flycast.embedded;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The embedded API's listener, in front of Fabric8's mock store: requests go to its dispatcher
 * in-process, and watches are streamed here, as chunked JSON to a plain HTTP {@code ?watch=true}
 * (kubectl's {@code get -w}, client-go's watches), which the mock cannot do, and as websocket text
 * frames to an upgrade (the watches of Fabric8's informers) (see docs/embedded-api.md).
 */
final class ApiFront implements AutoCloseable {
  /** The largest request body read: helm's release Secrets are a few MiB at most. */
  static final int MAX_BODY = 64 * 1024 * 1024;

  private final EmbeddedApiDispatcher dispatcher;
  private final EventLoopGroup group = new NioEventLoopGroup(2);

  /** Runs the dispatcher, which blocks (store locks, owner-reference garbage collection). */
  private final ExecutorService blocking = Executors.newVirtualThreadPerTaskExecutor();

  private final AtomicInteger streamedWatches = new AtomicInteger();
  private final AtomicInteger websocketWatches = new AtomicInteger();
  private final java.util.concurrent.atomic.AtomicLong bookmarksSent =
      new java.util.concurrent.atomic.AtomicLong();
  private volatile WatchObjects objects = WatchObjects.AS_STORED;
  private volatile long bookmarkMillis = TimeUnit.MINUTES.toMillis(1);
  private Channel server;

  ApiFront(EmbeddedApiDispatcher dispatcher) {
    this.dispatcher = dispatcher;
  }

  /** Listens on {@code address:port} (0 = any free port); the port bound. */
  int start(InetAddress address, int port) {
    server =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(FrontHandler.CODEC, new HttpServerCodec())
                        .addLast(FrontHandler.AGGREGATOR, new HttpObjectAggregator(MAX_BODY))
                        .addLast(FrontHandler.NAME, new FrontHandler(ApiFront.this));
                  }
                })
            .bind(address, port)
            .syncUninterruptibly()
            .channel();
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  EmbeddedApiDispatcher dispatcher() {
    return dispatcher;
  }

  ExecutorService blocking() {
    return blocking;
  }

  /** Watches open over plain HTTP. */
  AtomicInteger streamedWatches() {
    return streamedWatches;
  }

  /** Watches open over a websocket. */
  AtomicInteger websocketWatches() {
    return websocketWatches;
  }

  WatchObjects objects() {
    return objects;
  }

  /** How watch events' objects are written (a Table row when asked for, once Tables exist). */
  void writeWatchObjectsWith(WatchObjects objects) {
    this.objects = objects;
  }

  /** BOOKMARK events sent, over every watch. */
  java.util.concurrent.atomic.AtomicLong bookmarksSent() {
    return bookmarksSent;
  }

  long bookmarkMillis() {
    return bookmarkMillis;
  }

  /** How often a watch that allows bookmarks gets one (the real server: about once a minute). */
  void bookmarkEvery(long millis) {
    this.bookmarkMillis = millis;
  }

  @Override
  public void close() {
    if (server != null) {
      server.close().syncUninterruptibly();
    }
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    blocking.shutdown();
  }
}
