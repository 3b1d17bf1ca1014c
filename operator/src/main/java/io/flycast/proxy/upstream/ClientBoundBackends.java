package io.flycast.proxy.upstream;

import io.flycast.catalog.ProxyProtoVersion;
import io.flycast.proxy.Channels;
import io.flycast.proxy.ProxyContext;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * Backend HTTP connections for ports with {@code proxy_proto} and {@code http}: each starts with a
 * PROXY header naming one client, so it must never serve another client. A client connection keeps
 * at most one such backend connection, reused for its later requests to the same backend and closed
 * with it; nothing goes to the shared pool.
 *
 * <p>An HTTP/2 client connection owns the backend connection (its streams are the same client);
 * concurrent streams beyond the first get one-off connections, closed after their exchange.
 */
final class ClientBoundBackends {
  /** On a client connection: its backend connection, idle or in use. */
  private static final AttributeKey<Channel> BACKEND =
      AttributeKey.valueOf("flycast.client-bound-backend");

  /** On a backend connection: the client connection it belongs to. */
  private static final AttributeKey<Channel> OWNER = AttributeKey.valueOf("flycast.backend-owner");

  /** On a backend connection: checked out by an exchange. */
  private static final AttributeKey<Boolean> IN_USE =
      AttributeKey.valueOf("flycast.backend-in-use");

  private final ProxyContext px;
  private final Consumer<Channel> addHttpHandlers;

  ClientBoundBackends(ProxyContext px, Consumer<Channel> addHttpHandlers) {
    this.px = px;
    this.addHttpHandlers = addHttpHandlers;
  }

  /**
   * The client's backend connection to {@code address}, or a new one that starts with the PROXY
   * header.
   */
  Future<Channel> acquire(Channel client, InetSocketAddress address, ProxyProtoVersion version) {
    Channel owner = client instanceof Http2StreamChannel ? client.parent() : client;
    Channel held = owner.attr(BACKEND).get();
    BackendHandler heldHandler = held == null ? null : BackendHandler.of(held);
    if (heldHandler != null
        && held.isActive()
        && address.equals(held.remoteAddress())
        && !inUse(held)) {
      held.attr(IN_USE).set(true);
      heldHandler.markReused();
      return held.eventLoop().newSucceededFuture(held);
    }
    Promise<Channel> ready = owner.eventLoop().newPromise();
    Channels.connected(
            px.backendBootstrap(
                    owner.eventLoop(),
                    new ChannelInitializer<>() {
                      @Override
                      protected void initChannel(Channel ch) {
                        // First in the pipeline: the HTTP encoder passes the header message through
                        // to it.
                        ch.pipeline()
                            .addLast(ProxyProtocolHeader.NAME, HAProxyMessageEncoder.INSTANCE);
                        addHttpHandlers.accept(ch);
                      }
                    },
                    false)
                .connect(address))
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                ready.setFailure(f.cause());
                return;
              }
              Channel ch = (Channel) f.getNow();
              // Written before the exchange writes the request, so it is the connection's first
              // bytes.
              ch.write(
                  ProxyProtocolHeader.proxyHeader(
                      version, owner.remoteAddress(), owner.localAddress()));
              ch.attr(OWNER).set(owner);
              BackendHandler.of(ch).markClientBound();
              ch.attr(IN_USE).set(true);
              if (held == null || !held.isActive()) {
                if (held != null) {
                  held.close();
                }
                owner.attr(BACKEND).set(ch);
              } else if (!inUse(held)) {
                held.close(); // to another backend: the client now goes here
                owner.attr(BACKEND).set(ch);
              }
              owner.closeFuture().addListener(c -> ch.close());
              ready.setSuccess(ch);
            });
    return ready;
  }

  /** Returns a connection after an exchange: kept for its client if reusable and still its own. */
  static void release(Channel ch, boolean reusable, boolean draining) {
    ch.attr(IN_USE).set(false);
    Channel owner = ch.attr(OWNER).get();
    if (!reusable
        || draining
        || !ch.isActive()
        || owner == null
        || !owner.isActive()
        || owner.attr(BACKEND).get() != ch) {
      ch.close();
      return;
    }
    ch.read(); // notice a close by the backend while idle
  }

  private static boolean inUse(Channel ch) {
    return Boolean.TRUE.equals(ch.attr(IN_USE).get());
  }
}
