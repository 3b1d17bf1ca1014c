package io.flycast.dns;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Hand-built DNS messages, to send what no well-behaved client would. */
final class RawDns {
  /** RFC 1035 §4.1.1: flags with only RD set (a standard recursive-desired query). */
  static final int FLAGS_RD = 0x0100;

  private RawDns() {}

  /** A 12-byte header. */
  static byte[] header(int id, int flags, int qd, int an, int ns, int ar) {
    return ByteBuffer.allocate(12)
        .putShort((short) id)
        .putShort((short) flags)
        .putShort((short) qd)
        .putShort((short) an)
        .putShort((short) ns)
        .putShort((short) ar)
        .array();
  }

  /** A well-formed query for one question of class IN. */
  static byte[] query(int id, String name, int type) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(header(id, FLAGS_RD, 1, 0, 0, 0));
    for (String label : name.split("\\.")) {
      byte[] b = label.getBytes(StandardCharsets.US_ASCII);
      out.write(b.length);
      out.writeBytes(b);
    }
    out.write(0);
    out.write(type >> 8);
    out.write(type);
    out.write(0);
    out.write(1);
    return out.toByteArray();
  }

  /**
   * {@code query} with an OPT record (RFC 6891 §6.1.2) advertising {@code udpPayloadSize}: root
   * name, type 41, the size in the class field, a zero TTL (version 0, no flags), no options.
   */
  static byte[] withEdns(byte[] query, int udpPayloadSize) {
    ByteBuffer b = ByteBuffer.allocate(query.length + 11).put(query);
    b.putShort(10, (short) 1); // ARCOUNT
    b.put((byte) 0)
        .putShort((short) 41)
        .putShort((short) udpPayloadSize)
        .putInt(0)
        .putShort((short) 0);
    return b.array();
  }

  /** Prefixes a message with its 2-byte length, for TCP (RFC 1035 §4.2.2). */
  static byte[] tcpFrame(byte[] message) {
    return ByteBuffer.allocate(2 + message.length)
        .putShort((short) message.length)
        .put(message)
        .array();
  }

  /** The parsed header of a response. */
  record Header(int id, boolean qr, boolean tc, int rcode, int qdcount, int ancount) {
    static Header parse(byte[] msg, int length) {
      ByteBuffer b = ByteBuffer.wrap(msg, 0, length);
      int id = b.getShort() & 0xffff;
      int flags = b.getShort() & 0xffff;
      // RFC 1035 §4.1.1: QR is the top bit, TC bit 9, the rcode the low 4 bits.
      return new Header(
          id,
          (flags & 0x8000) != 0,
          (flags & 0x0200) != 0,
          flags & 0xf,
          b.getShort() & 0xffff,
          b.getShort() & 0xffff);
    }
  }
}
