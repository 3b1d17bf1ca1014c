package io.flycast.admin;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 on a raw socket, so admin tests control every byte: partial heads, huge headers,
 * pipelining.
 */
final class RawClient implements AutoCloseable {
  record Response(int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  RawClient(InetSocketAddress server, Duration timeout) throws IOException {
    this(null, server, timeout);
  }

  /**
   * A connection from {@code source} (any port), or from wherever the OS picks with null. Tests use
   * a second loopback address, such as 127.0.0.2, to be a client other than 127.0.0.1.
   */
  RawClient(InetAddress source, InetSocketAddress server, Duration timeout) throws IOException {
    socket = new Socket();
    if (source != null) {
      try {
        socket.bind(new InetSocketAddress(source, 0));
      } catch (IOException e) {
        socket.close();
        throw new IOException(
            "cannot bind the client to "
                + source.getHostAddress()
                + " (on macOS, add it first: sudo ifconfig lo0 alias "
                + source.getHostAddress()
                + ")",
            e);
      }
    }
    try {
      socket.connect(server, (int) timeout.toMillis());
    } catch (IOException e) {
      socket.close();
      throw e;
    }
    socket.setSoTimeout((int) timeout.toMillis());
    in = new BufferedInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  RawClient(InetSocketAddress server) throws IOException {
    this(server, Duration.ofSeconds(10));
  }

  /** One request on a new connection, answered or failed within {@code timeout}. */
  static Response exchange(InetSocketAddress server, String request, Duration timeout)
      throws IOException {
    return exchange(null, server, request, timeout);
  }

  /** {@link #exchange(InetSocketAddress, String, Duration)} on a connection from {@code source}. */
  static Response exchange(
      InetAddress source, InetSocketAddress server, String request, Duration timeout)
      throws IOException {
    try (RawClient c = new RawClient(source, server, timeout)) {
      return c.send(request).read();
    }
  }

  static String get(String path, String... headers) {
    StringBuilder sb = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (String h : headers) {
      sb.append(h).append("\r\n");
    }
    return sb.append("\r\n").toString();
  }

  RawClient send(String raw) throws IOException {
    out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    return this;
  }

  Response read() throws IOException {
    return read(false);
  }

  /** Reads one response; its body by Content-Length (none after a HEAD request). */
  Response read(boolean headRequest) throws IOException {
    String status = line();
    if (status == null) {
      throw new IOException("connection closed before a response");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (String l = line(); l != null && !l.isEmpty(); l = line()) {
      int c = l.indexOf(':');
      headers.put(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
    }
    String cl = headers.get("content-length");
    String body =
        headRequest || cl == null
            ? ""
            : new String(in.readNBytes(Integer.parseInt(cl)), StandardCharsets.UTF_8);
    return new Response(Integer.parseInt(status.split(" ")[1]), headers, body);
  }

  private String line() throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    for (int b = in.read(); b != -1; b = in.read()) {
      if (b == '\n') {
        return buf.toString(StandardCharsets.ISO_8859_1).stripTrailing();
      }
      buf.write(b);
    }
    return buf.size() == 0 ? null : buf.toString(StandardCharsets.ISO_8859_1);
  }

  /**
   * Whether the server closes the connection within the socket timeout, after what it already sent.
   */
  boolean closedByServer() throws IOException {
    try {
      while (in.read() != -1) {
        // what the server still sends, up to its end of stream
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
