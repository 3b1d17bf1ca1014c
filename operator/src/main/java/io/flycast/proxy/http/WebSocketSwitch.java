package io.flycast.proxy.http;

import io.flycast.proxy.ConnectionErrors;
import io.flycast.proxy.balance.Lease;
import io.flycast.proxy.tcp.RelayHandler;
import io.flycast.proxy.tcp.TcpProxyHandler;
import io.flycast.proxy.upstream.BackendConnectionPool;
import io.flycast.proxy.upstream.BackendHandler;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;

/**
 * Turns an upgraded HTTP exchange (WebSocket, or any 101 Switching Protocols) into a raw byte
 * relay: after the 101 both ends speak the new protocol, which the proxy does not parse.
 */
final class WebSocketSwitch {
  static final String UNWRAP = "unwrap-http";

  private WebSocketSwitch() {}

  /**
   * Sends the backend's 101 ({@code resp}, its head readied for the client) to an upgrade request
   * that asked for {@code protocol}; once the write is over, {@code switched} runs when it went,
   * {@code failed} when it did not. The switch itself waits for the 101 to be written: the client
   * must not get raw bytes before it.
   */
  static void answer(
      Channel client, HttpResponse resp, String protocol, Runnable switched, Runnable failed) {
    resp.headers().set(HttpHeaderNames.CONNECTION, "upgrade");
    resp.headers().set(HttpHeaderNames.UPGRADE, protocol);
    client.writeAndFlush(resp).addListener(f -> (f.isSuccess() ? switched : failed).run());
  }

  /**
   * Call on the shared event loop once the 101 was written to the client: the backend connection
   * and its lease go to the relay, released when the upgraded connection closes.
   */
  static void toRelay(
      Channel client,
      BackendLink link,
      HttpProxyHandler owner,
      ConnectionErrors errors,
      Object route) {
    Channel backend = link.channel();
    Lease lease = link.handOver();
    client
        .closeFuture()
        .addListener(
            f -> {
              lease.release();
              backend.close();
            });
    BackendHandler.of(backend).detach();

    // Relay first, codec out second: bytes the codec already buffered flow into the relay.
    ChannelPipeline cp = client.pipeline();
    owner.upgraded();
    cp.addLast(TcpProxyHandler.RELAY, new RelayHandler(backend, errors, route));
    cp.remove(ServerCodec.NAME);

    ChannelPipeline bp = backend.pipeline();
    bp.addLast(UNWRAP, new Unwrap());
    bp.addLast(TcpProxyHandler.RELAY, new RelayHandler(client, errors, route));
    bp.remove(BackendHandler.NAME);
    bp.remove(BackendConnectionPool.IDLE);
    bp.remove(BackendConnectionPool.CODEC);

    client.read();
    backend.read();
  }

  /**
   * The 101 is written on the backend's event loop, so the write can complete, and the switch
   * happen, while the backend codec is still handing over what it decoded with the 101 head: its
   * empty last content, or (a 101 without Sec-WebSocket-Accept) bytes framed as content. Relayed as
   * is, the client channel (its codec gone) would fail the write and close the WebSocket at once,
   * releasing its lease. Past here only raw bytes go.
   */
  private static final class Unwrap extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpContent c) {
        ByteBuf bytes = c.content();
        if (!bytes.isReadable()) {
          c.release();
          return;
        }
        msg = bytes; // the same buffer: releasing it releases the content
      }
      ctx.fireChannelRead(msg);
    }
  }
}
