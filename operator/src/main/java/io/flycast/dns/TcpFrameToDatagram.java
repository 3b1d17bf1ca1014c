package io.flycast.dns;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Wraps one TCP DNS message (already unframed) as a {@link DatagramPacket} addressed from the peer,
 * so TCP shares the {@link QueryDecoder} with UDP.
 *
 * <p>Why not Netty's {@code TcpDnsQueryDecoder}: it is final and throws on a bad message, losing
 * the header, so it cannot answer FORMERR. The framing it does (a 2-byte length prefix, RFC 1035
 * §4.2.2) is a plain {@code LengthFieldBasedFrameDecoder} placed before this handler.
 */
@ChannelHandler.Sharable
final class TcpFrameToDatagram extends MessageToMessageDecoder<ByteBuf> {
  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
    out.add(
        new DatagramPacket(
            frame.retain(),
            (InetSocketAddress) ctx.channel().localAddress(),
            (InetSocketAddress) ctx.channel().remoteAddress()));
  }
}
