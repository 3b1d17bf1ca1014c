package io.flycast.dns;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Netty's {@link DatagramDnsQueryDecoder}, made safe for hostile input: a message that fails to
 * decode becomes a {@link MalformedQuery} (answered FORMERR) when its header is readable and is
 * dropped otherwise, instead of an exception in the pipeline. A query that decodes is passed on as
 * a {@link ReceivedQuery}, with its size on the wire.
 *
 * <p>Messages with the QR bit set are responses, not queries: they are dropped silently, never
 * answered, so two DNS servers cannot be made to bounce packets at each other.
 */
@ChannelHandler.Sharable
final class QueryDecoder extends DatagramDnsQueryDecoder {
  private static final Logger log = LoggerFactory.getLogger(QueryDecoder.class);

  /** RFC 1035 §4.1.1: the header is 12 bytes (id, flags, four section counts). */
  static final int HEADER_LENGTH = 12;

  /** RFC 1035 §4.1.1: the QR bit (0 = query, 1 = response) is the top bit of the flags. */
  private static final int QR_BIT = 0x8000;

  /** RFC 1035 §4.1.1: bit 8 of the flags is RD (recursion desired). */
  private static final int RD_BIT = 0x0100;

  @Override
  protected void decode(ChannelHandlerContext ctx, DatagramPacket packet, List<Object> out) {
    ByteBuf buf = packet.content();
    int start = buf.readerIndex();
    int length = buf.readableBytes();
    if (length >= HEADER_LENGTH && (buf.getUnsignedShort(start + 2) & QR_BIT) != 0) {
      log.debug("dropping a DNS response from {}", packet.sender());
      return;
    }
    try {
      int first = out.size();
      super.decode(ctx, packet, out);
      for (int i = first; i < out.size(); i++) {
        out.set(i, new ReceivedQuery((DatagramDnsQuery) out.get(i), length));
      }
    } catch (Exception e) {
      // Debug only: anyone can send garbage, and a warning per packet would flood the log.
      log.debug(
          "malformed DNS message from {} ({} bytes): {}", packet.sender(), length, e.toString());
      if (length >= HEADER_LENGTH) {
        int flags = buf.getUnsignedShort(start + 2);
        out.add(
            new MalformedQuery(
                buf.getUnsignedShort(start),
                (byte) (flags >> 11 & 0xf),
                (flags & RD_BIT) != 0,
                packet.sender(),
                packet.recipient()));
      }
    }
  }
}
