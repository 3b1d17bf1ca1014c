package io.flycast.embedded.echo;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The echo backend's WebSocket endpoint, {@code /ws}: completes the RFC 6455 handshake, then sends
 * each data frame back as it came (fragments and opcode as sent, unmasked), answers a ping with a
 * pong and a close with a close, and hangs up then. A frame over 16 MiB ends the connection: more
 * than an echo needs.
 */
final class WebSocketEcho {
  private static final String WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  private static final long MAX_PAYLOAD = 16 << 20;

  private WebSocketEcho() {}

  /**
   * Accepts the upgrade whose {@code Sec-WebSocket-Key} is {@code key}, then echoes until either
   * side closes.
   */
  static void serve(String key, String podName, InputStream in, OutputStream out)
      throws IOException {
    HttpIo.write(
        out,
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: "
            + accept(key)
            + "\r\nx-echo-pod: "
            + podName
            + "\r\n\r\n");
    while (true) {
      int b0 = in.read();
      int b1 = in.read();
      if (b0 < 0 || b1 < 0) {
        return;
      }
      int opcode = b0 & 0x0F;
      long len = b1 & 0x7F;
      if (len == 126) {
        len = ((long) readByte(in) << 8) | readByte(in);
      } else if (len == 127) {
        len = 0;
        for (int i = 0; i < 8; i++) {
          len = (len << 8) | readByte(in);
        }
      }
      byte[] mask = null;
      if ((b1 & 0x80) != 0) {
        mask = in.readNBytes(4);
      }
      if (len > MAX_PAYLOAD) {
        return;
      }
      byte[] payload = in.readNBytes((int) len);
      if (payload.length < len) {
        return;
      }
      if (mask != null) {
        for (int i = 0; i < payload.length; i++) {
          payload[i] ^= mask[i & 3];
        }
      }
      switch (opcode) {
        case 0x8 -> { // close: answer it and hang up
          frame(out, 0x80 | 0x8, payload);
          return;
        }
        case 0x9 -> frame(out, 0x80 | 0xA, payload); // ping: pong
        case 0xA -> {} // pong: nothing
        default -> frame(out, b0 & 0x8F, payload); // data or continuation: echo as sent
      }
    }
  }

  /**
   * The {@code Sec-WebSocket-Accept} for a key: base64 of SHA-1 of the key and the protocol's GUID.
   */
  private static String accept(String key) {
    try {
      return Base64.getEncoder()
          .encodeToString(
              MessageDigest.getInstance("SHA-1")
                  .digest((key + WS_GUID).getBytes(StandardCharsets.ISO_8859_1)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One unmasked frame (a server's), with the first byte {@code b0}: FIN, RSV and opcode. */
  private static void frame(OutputStream out, int b0, byte[] payload) throws IOException {
    out.write(b0);
    if (payload.length < 126) {
      out.write(payload.length);
    } else if (payload.length < 65536) {
      out.write(126);
      out.write(payload.length >>> 8);
      out.write(payload.length & 0xFF);
    } else {
      out.write(127);
      for (int i = 7; i >= 0; i--) {
        out.write((int) (((long) payload.length >>> (8 * i)) & 0xFF));
      }
    }
    out.write(payload);
    out.flush();
  }

  private static int readByte(InputStream in) throws IOException {
    int b = in.read();
    if (b < 0) {
      throw new EOFException();
    }
    return b;
  }
}
