package io.flycast.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

/** Small channel helpers. */
public final class Channels {
  private Channels() {}

  /** Closes {@code ch} once everything already written has been flushed. */
  public static void flushAndClose(Channel ch) {
    if (ch != null && ch.isActive()) {
      ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }

  /** The connected channel of a connect future, as a {@code Future<Channel>}. */
  public static Future<Channel> connected(ChannelFuture connect) {
    Promise<Channel> p = connect.channel().eventLoop().newPromise();
    connect.addListener(
        f -> {
          if (f.isSuccess()) {
            p.setSuccess(connect.channel());
          } else {
            p.setFailure(f.cause());
          }
        });
    return p;
  }
}
