package io.flycast.embedded.echo;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One client connection of the {@link EchoBackend}, on a virtual thread of its own: HTTP/1.1
 * requests one after the other (keep-alive; bodies by length or chunked, read and dropped), each
 * answered as the backend's class comment says, until the client closes or asks to, the backend
 * stops, or the connection turns into a WebSocket ({@link WebSocketEcho}). Between requests it is
 * idle, and a stopping backend may close it; during one it counts as in flight, and is let finish.
 */
final class HttpConnection {
  private static final String REPLAY_REQUEST_HEADER = "x-echo-fly-replay";
  private static final String DELAY_REQUEST_HEADER = "x-echo-delay-ms";
  private static final int SSE_EVENTS = 20;
  private static final long SSE_INTERVAL_MS = 100;

  private final EchoBackend backend;
  private final Socket socket;
  private volatile boolean idle = true;

  HttpConnection(EchoBackend backend, Socket socket) {
    this.backend = backend;
    this.socket = socket;
  }

  /** Whether it waits for a request: then closing it loses nothing. */
  boolean idle() {
    return idle;
  }

  void close() {
    HttpIo.closeQuietly(socket);
  }

  void run() {
    try (socket) {
      socket.setTcpNoDelay(true);
      InputStream in = new BufferedInputStream(socket.getInputStream());
      OutputStream out = new BufferedOutputStream(socket.getOutputStream());
      while (!backend.stopping()) {
        String requestLine = HttpIo.readLine(in);
        if (requestLine == null) {
          return;
        }
        if (requestLine.isEmpty()) {
          continue; // stray CRLF between requests
        }
        idle = false;
        backend.requestStarted();
        boolean keepAlive;
        try {
          keepAlive = exchange(requestLine, in, out);
        } finally {
          idle = true;
          backend.requestFinished();
        }
        if (!keepAlive) {
          return;
        }
      }
    } catch (IOException | RuntimeException e) {
      // the client went away, or sent garbage: drop the connection
    } finally {
      backend.closed(this);
    }
  }

  /** Serves one request; returns whether the connection stays open. */
  private boolean exchange(String requestLine, InputStream in, OutputStream out)
      throws IOException {
    String[] parts = requestLine.split(" ");
    if (parts.length != 3) {
      HttpIo.write(
          out, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      return false;
    }
    String method = parts[0];
    String target = parts[1];
    String version = parts[2];
    Map<String, List<String>> headers = new TreeMap<>();
    String line;
    while ((line = HttpIo.readLine(in)) != null && !line.isEmpty()) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        headers
            .computeIfAbsent(
                line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
            .add(line.substring(colon + 1).trim());
      }
    }
    if (line == null) {
      return false;
    }
    String connection = header(headers, "connection");
    boolean keepAlive =
        "HTTP/1.1".equals(version)
            ? connection == null || !connection.toLowerCase(Locale.ROOT).contains("close")
            : connection != null && connection.toLowerCase(Locale.ROOT).contains("keep-alive");
    String path = target.indexOf('?') < 0 ? target : target.substring(0, target.indexOf('?'));

    String upgrade = header(headers, "upgrade");
    String wsKey = header(headers, "sec-websocket-key");
    if ("/ws".equals(path)
        && upgrade != null
        && "websocket".equalsIgnoreCase(upgrade)
        && wsKey != null) {
      WebSocketEcho.serve(wsKey, backend.podName(), in, out);
      return false;
    }

    if ("100-continue".equalsIgnoreCase(header(headers, "expect"))) {
      HttpIo.write(out, "HTTP/1.1 100 Continue\r\n\r\n");
    }
    readBody(headers, in);
    if (!delay(header(headers, DELAY_REQUEST_HEADER))) {
      return false;
    }
    keepAlive &= !backend.stopping();
    String cacheControl = header(headers, "x-echo-cache-control");
    String common =
        "x-echo-pod: "
            + backend.podName()
            + "\r\nx-echo-in-flight: "
            + backend.inFlight()
            + "\r\n"
            + (cacheControl == null ? "" : "Cache-Control: " + cacheControl + "\r\n")
            + (keepAlive ? "" : "Connection: close\r\n");
    if ("GET".equals(method) && "/ready".equals(path) && !backend.ready()) {
      HttpIo.write(
          out, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n" + common + "\r\n");
      return keepAlive;
    }
    String replay = header(headers, REPLAY_REQUEST_HEADER);
    if (replay != null) {
      HttpIo.write(
          out,
          "HTTP/1.1 200 OK\r\nfly-replay: "
              + replay
              + "\r\nContent-Length: 0\r\n"
              + common
              + "\r\n");
      return keepAlive;
    }
    if ("GET".equals(method) && "/sse".equals(path)) {
      return streamEvents(out, common) && keepAlive && !backend.stopping();
    }
    byte[] body = json(method, target, headers).getBytes(StandardCharsets.UTF_8);
    out.write(
        ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length
                + "\r\n"
                + common
                + "\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
    if (!"HEAD".equals(method)) {
      out.write(body);
    }
    out.flush();
    if ("GET".equals(method) && "/ready".equals(path)) {
      backend.readyAnswered(); // once its answer is on its way
    }
    return keepAlive;
  }

  /** Reads the request body, if any, and drops it. */
  private static void readBody(Map<String, List<String>> headers, InputStream in)
      throws IOException {
    String te = header(headers, "transfer-encoding");
    if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
      while (true) {
        String sizeLine = HttpIo.readLine(in);
        if (sizeLine == null) {
          throw new EOFException();
        }
        int semi = sizeLine.indexOf(';');
        long size = Long.parseLong((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
        if (size == 0) {
          String trailer;
          while ((trailer = HttpIo.readLine(in)) != null && !trailer.isEmpty()) {
            // trailers are ignored
          }
          return;
        }
        HttpIo.skip(in, size);
        HttpIo.readLine(in); // the CRLF after the chunk
      }
    }
    String cl = header(headers, "content-length");
    if (cl != null) {
      HttpIo.skip(in, Long.parseLong(cl.trim()));
    }
  }

  /**
   * Waits the {@code x-echo-delay-ms} asked for (none when it is not a number); false when
   * interrupted.
   */
  private static boolean delay(String millis) {
    if (millis == null) {
      return true;
    }
    try {
      Thread.sleep(Math.max(0, Long.parseLong(millis.trim())));
    } catch (NumberFormatException ignored) {
      // not a number: no delay
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    return true;
  }

  /**
   * {@code GET /sse}: {@value #SSE_EVENTS} events {@code data: n}, {@value #SSE_INTERVAL_MS} ms
   * apart, in a chunked response; false when interrupted.
   */
  private static boolean streamEvents(OutputStream out, String commonHeaders) throws IOException {
    HttpIo.write(
        out,
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
            + "Transfer-Encoding: chunked\r\n"
            + commonHeaders
            + "\r\n");
    for (int n = 1; n <= SSE_EVENTS; n++) {
      byte[] event = ("data: " + n + "\n\n").getBytes(StandardCharsets.UTF_8);
      String chunk =
          Integer.toHexString(event.length)
              + "\r\n"
              + new String(event, StandardCharsets.UTF_8)
              + "\r\n";
      HttpIo.write(out, chunk);
      if (n < SSE_EVENTS) {
        try {
          Thread.sleep(SSE_INTERVAL_MS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    HttpIo.write(out, "0\r\n\r\n");
    return true;
  }

  private static String header(Map<String, List<String>> headers, String name) {
    List<String> v = headers.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  private String json(String method, String target, Map<String, List<String>> headers) {
    StringBuilder sb = new StringBuilder(256);
    sb.append("{\"pod\":")
        .append(quote(backend.podName()))
        .append(",\"method\":")
        .append(quote(method))
        .append(",\"path\":")
        .append(quote(target))
        .append(",\"headers\":{");
    boolean first = true;
    for (var e : headers.entrySet()) {
      if (!first) {
        sb.append(',');
      }
      first = false;
      sb.append(quote(e.getKey())).append(':').append(quote(String.join(",", e.getValue())));
    }
    return sb.append("}}").toString();
  }

  private static String quote(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    JsonStringEncoder.getInstance().quoteAsString(s, sb);
    return sb.append('"').toString();
  }
}
