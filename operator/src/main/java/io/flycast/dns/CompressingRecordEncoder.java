package io.flycast.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.dns.DefaultDnsRecordEncoder;

/**
 * Netty's record encoder, plus message compression (RFC 1035 §4.1.4) of the one name our responses
 * repeat: every answer is owned by the question's name, so each owner is written as a 2-byte
 * pointer to the question instead of the whole name again. An A record for {@code
 * web.default.internal} shrinks from 36 to 16 bytes, so more of an answer fits the UDP bound of
 * {@link UdpResponseLimit}. (Netty writes names uncompressed.)
 */
final class CompressingRecordEncoder extends DefaultDnsRecordEncoder {
  /** RFC 1035 §4.1.4: a pointer is two bytes, the top two bits set and a 14-bit offset. */
  static final int POINTER_LENGTH = 2;

  private static final int POINTER_FLAGS = 0xc000;

  /** RFC 1035 §4.1.1: the question's name starts right after the 12-byte header. */
  private static final int QUESTION_NAME_OFFSET = QueryDecoder.HEADER_LENGTH;

  private final int messageStart;

  /**
   * @param messageStart where the message starts in the buffer Netty's response encoder writes: 0
   *     for UDP, 2 for TCP (after the length prefix, RFC 1035 §4.2.2)
   */
  CompressingRecordEncoder(int messageStart) {
    this.messageStart = messageStart;
  }

  @Override
  protected void encodeName(String name, ByteBuf buf) throws Exception {
    int start = buf.writerIndex();
    super.encodeName(name, buf);
    int length = buf.writerIndex() - start;
    int question = messageStart + QUESTION_NAME_OFFSET;
    // Comparing encoded bytes is exact: an encoded name ends at its root label, so equal bytes
    // mean equal names. The question itself and the root (1 byte, the OPT's owner) stay as written.
    if (start > question
        && length > POINTER_LENGTH
        && ByteBufUtil.equals(buf, question, buf, start, length)) {
      buf.writerIndex(start).writeShort(POINTER_FLAGS | QUESTION_NAME_OFFSET);
    }
  }
}
