package io.flycast.proxy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A deliberately dumb HTTP/1.1 client on a raw socket, so tests control every byte (smuggling, huge
 * headers, spoofed Host, keep-alive on one connection). Public for tests of the whole process that
 * look at the same bytes.
 */
public final class RawHttp implements AutoCloseable {
  public record Response(int status, Map<String, List<String>> headers, String body) {
    public String header(String name) {
      List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
      return v == null ? null : String.join(", ", v);
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  public RawHttp(int port) throws IOException {
    this("127.0.0.1", port);
  }

  RawHttp(String host, int port) throws IOException {
    socket = new Socket(host, port);
    socket.setSoTimeout(10_000);
    in = new BufferedInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  /** A connection to the proxy on loopback from {@code from}, another loopback address. */
  RawHttp(int port, java.net.InetAddress from) throws IOException {
    socket = new Socket(TestRoutes.ip("127.0.0.1"), port, from, 0);
    socket.setSoTimeout(10_000);
    in = new BufferedInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  /** The client side's port, which a PROXY header names as the source. */
  int localPort() {
    return socket.getLocalPort();
  }

  public RawHttp send(String raw) throws IOException {
    out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    return this;
  }

  public Response get(String host, String path, String... extraHeaders) throws IOException {
    StringBuilder sb = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n");
    for (String h : extraHeaders) {
      sb.append(h).append("\r\n");
    }
    send(sb.append("\r\n").toString());
    return read();
  }

  /** Reads the response head only; the body stays in the stream. */
  public Response readHead() throws IOException {
    String status = line();
    if (status == null) {
      throw new IOException("connection closed before a response");
    }
    Map<String, List<String>> headers = new LinkedHashMap<>();
    String l;
    while ((l = line()) != null && !l.isEmpty()) {
      int c = l.indexOf(':');
      headers
          .computeIfAbsent(
              l.substring(0, c).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(l.substring(c + 1).trim());
    }
    return new Response(Integer.parseInt(status.split(" ")[1]), headers, null);
  }

  public Response read() throws IOException {
    return read(false);
  }

  Response read(boolean headRequest) throws IOException {
    Response head = readHead();
    String body;
    String te = head.header("transfer-encoding");
    String cl = head.header("content-length");
    if (headRequest || head.status() / 100 == 1 || head.status() == 204 || head.status() == 304) {
      body = "";
    } else if (te != null && te.contains("chunked")) {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      int size;
      while ((size = Integer.parseInt(line().trim(), 16)) > 0) {
        buf.write(in.readNBytes(size));
        line();
      }
      while (!line().isEmpty()) {} // trailers
      body = buf.toString(StandardCharsets.UTF_8);
    } else if (cl != null) {
      body = new String(in.readNBytes(Integer.parseInt(cl)), StandardCharsets.UTF_8);
    } else {
      body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    return new Response(head.status(), head.headers(), body);
  }

  /** One CRLF-terminated line, or null at end of stream. */
  String line() throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1) {
      if (b == '\n') {
        byte[] bytes = buf.toByteArray();
        int n =
            bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
      }
      buf.write(b);
    }
    return buf.size() == 0 ? null : buf.toString(StandardCharsets.ISO_8859_1);
  }

  /** Whether the peer closed the connection (end of stream within the socket timeout). */
  public boolean closedByPeer() throws IOException {
    try {
      return in.read() == -1;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset
    }
  }

  InputStream in() {
    return in;
  }

  OutputStream out() {
    return out;
  }

  Socket socket() {
    return socket;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
