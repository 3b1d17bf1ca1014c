package io.flycast.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;

/**
 * Turns an upgraded HTTP exchange (WebSocket, or any 101 Switching Protocols) into a raw byte
 * relay: after the 101 both ends speak the new protocol, which the proxy does not parse.
 */
final class WebSocketSwitch {
  private WebSocketSwitch() {}

  /** Call on the shared event loop once the 101 was written to the client. */
  static void toRelay(Channel client, Channel backend, HttpProxyHandler owner, Lease lease) {
    client.closeFuture().addListener(f -> {
      lease.release();
      backend.close();
    });
    BackendHandler.of(backend).detach();

    // Relay first, codec out second: bytes the codec already buffered flow into the relay.
    ChannelPipeline cp = client.pipeline();
    owner.upgraded();
    cp.addLast(TcpProxyHandler.RELAY, new RelayHandler(backend));
    cp.remove(HttpPipeline.CODEC);

    ChannelPipeline bp = backend.pipeline();
    bp.addLast(TcpProxyHandler.RELAY, new RelayHandler(client));
    bp.remove(BackendHandler.NAME);
    bp.remove(BackendConnectionPool.IDLE);
    bp.remove(BackendConnectionPool.CODEC);

    client.read();
    backend.read();
  }
}
