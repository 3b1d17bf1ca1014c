package io.flycast.proxy;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A deliberately dumb HTTP/2 client over TLS (ALPN h2): it writes whatever frames a test asks for,
 * with header blocks as HPACK literals and no validation at all, and collects the frames the server
 * sends. For the attacks a real client library would refuse to make.
 */
public final class RawH2 implements AutoCloseable {
  public static final int DATA = 0x0;
  public static final int HEADERS = 0x1;
  public static final int RST_STREAM = 0x3;
  static final int SETTINGS = 0x4;
  public static final int GOAWAY = 0x7;
  public static final int WINDOW_UPDATE = 0x8;
  public static final int CONTINUATION = 0x9;
  public static final int END_STREAM = 0x1;
  static final int END_HEADERS = 0x4;
  static final int ACK = 0x1;
  public static final long PROTOCOL_ERROR = 0x1;
  public static final long REFUSED_STREAM = 0x7;
  public static final long ENHANCE_YOUR_CALM = 0xb;

  /** A frame from the server; {@code code} is the error code of RST_STREAM and GOAWAY. */
  // A frame as read off the wire, for assertions on its fields; never compared or hashed.
  @SuppressWarnings("ArrayRecordComponent")
  public record Frame(int type, int flags, int stream, byte[] payload) {
    public long code() {
      int at = type == GOAWAY ? 4 : 0;
      return ((payload[at] & 0xffL) << 24)
          | ((payload[at + 1] & 0xff) << 16)
          | ((payload[at + 2] & 0xff) << 8)
          | (payload[at + 3] & 0xff);
    }

    /**
     * A HEADERS frame's :status, when the server sent it as an indexed field (HPACK static table).
     */
    public int status() {
      int b = payload.length == 0 ? 0 : payload[0] & 0xff;
      return switch (b) {
        case 0x88 -> 200;
        case 0x89 -> 204;
        case 0x8a -> 206;
        case 0x8b -> 304;
        case 0x8c -> 400;
        case 0x8d -> 404;
        case 0x8e -> 500;
        default -> -1;
      };
    }
  }

  private final SSLSocket socket;
  private final OutputStream out;
  final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();

  /** Every frame received, kept. */
  public final List<Frame> seen = new java.util.concurrent.CopyOnWriteArrayList<>();

  private final Thread reader;
  private volatile boolean closedByServer;

  /**
   * Connects, sends the preface and an empty SETTINGS frame; acknowledges the server's SETTINGS
   * only when {@code ackSettings}.
   */
  public RawH2(int port, String sni, boolean ackSettings) throws Exception {
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, new TrustManager[] {new TrustAll()}, null);
    socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port);
    socket.setSoTimeout(15_000);
    SSLParameters params = socket.getSSLParameters();
    params.setApplicationProtocols(new String[] {"h2"});
    params.setServerNames(List.of(new SNIHostName(sni)));
    socket.setSSLParameters(params);
    socket.startHandshake();
    if (!"h2".equals(socket.getApplicationProtocol())) {
      throw new IOException("server did not choose h2: " + socket.getApplicationProtocol());
    }
    out = socket.getOutputStream();
    out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    frame(SETTINGS, 0, 0, new byte[0]);
    out.flush();
    reader = Thread.ofVirtual().start(() -> readLoop(ackSettings));
  }

  private void readLoop(boolean ackSettings) {
    try {
      DataInputStream in = new DataInputStream(socket.getInputStream());
      while (true) {
        int length =
            (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int stream = in.readInt() & 0x7fffffff;
        byte[] payload = new byte[length];
        in.readFully(payload);
        if (type == SETTINGS && (flags & ACK) == 0 && ackSettings) {
          synchronized (this) {
            frame(SETTINGS, ACK, 0, new byte[0]);
            out.flush();
          }
        }
        Frame f = new Frame(type, flags, stream, payload);
        seen.add(f);
        frames.add(f);
      }
    } catch (IOException e) {
      closedByServer = true;
    }
  }

  public boolean closedByServer() {
    return closedByServer;
  }

  /** Writes one frame (not flushed). */
  public synchronized RawH2 frame(int type, int flags, int stream, byte[] payload)
      throws IOException {
    byte[] head = {
      (byte) (payload.length >>> 16),
      (byte) (payload.length >>> 8),
      (byte) payload.length,
      (byte) type,
      (byte) flags,
      (byte) (stream >>> 24),
      (byte) (stream >>> 16),
      (byte) (stream >>> 8),
      (byte) stream
    };
    out.write(head);
    out.write(payload);
    return this;
  }

  public synchronized RawH2 flush() throws IOException {
    out.flush();
    return this;
  }

  /** A complete header block in one HEADERS frame. */
  public RawH2 headers(int stream, boolean endStream, String... namesAndValues) throws IOException {
    return frame(
        HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), stream, block(namesAndValues));
  }

  /** A GET request on {@code stream}, ending the stream. */
  public RawH2 get(int stream, String authority, String path) throws IOException {
    return headers(
        stream, true, ":method", "GET", ":scheme", "https", ":authority", authority, ":path", path);
  }

  /**
   * HPACK: each field as a literal without indexing, new name, no Huffman (RFC 7541 section 6.2.2).
   */
  public static byte[] block(String... namesAndValues) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      b.write(0);
      string(b, namesAndValues[i]);
      string(b, namesAndValues[i + 1]);
    }
    return b.toByteArray();
  }

  private static void string(ByteArrayOutputStream b, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
    integer(b, bytes.length, 7);
    b.writeBytes(bytes);
  }

  /** RFC 7541 section 5.1, with the first byte's other bits zero. */
  private static void integer(ByteArrayOutputStream b, int value, int prefixBits) {
    int max = (1 << prefixBits) - 1;
    if (value < max) {
      b.write(value);
      return;
    }
    b.write(max);
    value -= max;
    while (value >= 128) {
      b.write((value & 0x7f) | 0x80);
      value >>>= 7;
    }
    b.write(value);
  }

  public static byte[] int32(long v) {
    return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
  }

  /**
   * The first frame from the server matching {@code which} within {@code within}; null if none
   * came.
   */
  public Frame await(Predicate<Frame> which, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    for (long left; (left = deadline - System.nanoTime()) > 0; ) {
      Frame f = frames.poll(left, TimeUnit.NANOSECONDS);
      if (f != null && which.test(f)) {
        return f;
      }
    }
    return null;
  }

  /** Every frame received so far, drained. */
  List<Frame> drain() {
    List<Frame> all = new ArrayList<>();
    frames.drainTo(all);
    return all;
  }

  @Override
  public void close() throws IOException {
    socket.close();
    reader.interrupt();
  }

  private static final class TrustAll implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
