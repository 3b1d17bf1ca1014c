package io.flycast.embedded;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The built-in workload of the embedded runtime: a small HTTP/1.1 server, started as one process
 * per pod. It is written on plain sockets and virtual threads, with no dependency, so that a pod's
 * JVM listens about 100 ms after it starts (a Netty version took 4 times as long).
 *
 * <p>Configured by the environment: {@code BIND_ADDRESS} (default 127.0.0.1), {@code PORT}
 * (default 8080), {@code POD_NAME}, {@code START_DELAY_MS} (wait that long before listening, to
 * emulate a slow cold start) and {@code GRACE_SECONDS} (how long SIGTERM waits for in-flight
 * requests).
 *
 * <p>Every request gets 200 and JSON {@code {"pod":..., "method":..., "path":..., "headers":{...}}}
 * (and response header {@code x-echo-pod}), except: request header {@code x-echo-fly-replay: V}
 * answers with response header {@code fly-replay: V} and an empty body; {@code x-echo-delay-ms: N}
 * waits N ms first; {@code GET /sse} streams {@code data: n} events every 100 ms, 20 of them;
 * {@code /ws} is a WebSocket echo (each data frame comes back as sent, pings get pongs).
 * Connections are kept alive (HTTP/1.1; request bodies by length or chunked). SIGTERM closes the
 * listener and idle connections and lets in-flight requests finish (up to the grace period), each
 * connection closing after its last response.
 */
public final class EchoBackend {
  static final String REPLAY_REQUEST_HEADER = "x-echo-fly-replay";
  static final String DELAY_REQUEST_HEADER = "x-echo-delay-ms";
  static final int SSE_EVENTS = 20;
  static final long SSE_INTERVAL_MS = 100;
  private static final String WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  private static final int MAX_LINE = 64 * 1024;

  private final ServerSocket listener;
  private final String podName;
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Object idle = new Object();
  private volatile boolean stopping;

  private EchoBackend(ServerSocket listener, String podName) {
    this.listener = listener;
    this.podName = podName;
  }

  /** Binds and starts serving. */
  public static EchoBackend start(InetSocketAddress bind, String podName) throws IOException {
    ServerSocket listener = new ServerSocket();
    listener.setReuseAddress(true);
    try {
      listener.bind(bind, 128);
    } catch (IOException e) {
      listener.close();
      throw e;
    }
    EchoBackend echo = new EchoBackend(listener, podName);
    Thread.ofPlatform().daemon().name("echo-accept").start(echo::acceptLoop);
    return echo;
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) listener.getLocalSocketAddress();
  }

  /** Stops accepting, closes idle connections, waits up to {@code graceSeconds} for in-flight requests, then closes the rest. */
  public synchronized void stop(int graceSeconds) {
    if (stopping) {
      return;
    }
    stopping = true;
    closeQuietly(listener);
    for (Connection c : connections) {
      if (c.idle) {
        closeQuietly(c.socket);
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(graceSeconds);
    synchronized (idle) {
      while (inFlight.get() > 0 && System.nanoTime() < deadline) {
        try {
          idle.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    for (Connection c : connections) {
      closeQuietly(c.socket);
    }
  }

  private void acceptLoop() {
    while (!stopping) {
      Socket s;
      try {
        s = listener.accept();
      } catch (IOException e) {
        if (stopping) {
          return;
        }
        continue;
      }
      if (stopping) {
        closeQuietly(s);
        return;
      }
      Connection c = new Connection(s);
      connections.add(c);
      Thread.ofVirtual().name("echo-conn").start(c::run);
    }
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  /** One client connection: requests one after the other (keep-alive), or a WebSocket. */
  private final class Connection {
    final Socket socket;
    volatile boolean idle = true;

    Connection(Socket socket) {
      this.socket = socket;
    }

    void run() {
      try (socket) {
        socket.setTcpNoDelay(true);
        InputStream in = new BufferedInputStream(socket.getInputStream());
        OutputStream out = new BufferedOutputStream(socket.getOutputStream());
        while (!stopping) {
          String requestLine = readLine(in);
          if (requestLine == null) {
            return;
          }
          if (requestLine.isEmpty()) {
            continue; // stray CRLF between requests
          }
          idle = false;
          inFlight.incrementAndGet();
          boolean keepAlive;
          try {
            keepAlive = exchange(requestLine, in, out);
          } finally {
            idle = true;
            if (inFlight.decrementAndGet() == 0) {
              synchronized (EchoBackend.this.idle) {
                EchoBackend.this.idle.notifyAll();
              }
            }
          }
          if (!keepAlive) {
            return;
          }
        }
      } catch (IOException | RuntimeException e) {
        // the client went away, or sent garbage: drop the connection
      } finally {
        connections.remove(this);
      }
    }

    /** Serves one request; returns whether the connection stays open. */
    boolean exchange(String requestLine, InputStream in, OutputStream out) throws IOException {
      String[] parts = requestLine.split(" ");
      if (parts.length != 3) {
        write(out, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return false;
      }
      String method = parts[0];
      String target = parts[1];
      String version = parts[2];
      Map<String, List<String>> headers = new TreeMap<>();
      String line;
      while ((line = readLine(in)) != null && !line.isEmpty()) {
        int colon = line.indexOf(':');
        if (colon > 0) {
          headers.computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
              .add(line.substring(colon + 1).trim());
        }
      }
      if (line == null) {
        return false;
      }
      String connection = header(headers, "connection");
      boolean keepAlive = "HTTP/1.1".equals(version)
          ? connection == null || !connection.toLowerCase(Locale.ROOT).contains("close")
          : connection != null && connection.toLowerCase(Locale.ROOT).contains("keep-alive");
      String path = target.indexOf('?') < 0 ? target : target.substring(0, target.indexOf('?'));

      String upgrade = header(headers, "upgrade");
      if ("/ws".equals(path) && upgrade != null && "websocket".equalsIgnoreCase(upgrade) && header(headers, "sec-websocket-key") != null) {
        webSocket(header(headers, "sec-websocket-key"), in, out);
        return false;
      }

      if ("100-continue".equalsIgnoreCase(header(headers, "expect"))) {
        write(out, "HTTP/1.1 100 Continue\r\n\r\n");
      }
      readBody(headers, in);

      String delay = header(headers, DELAY_REQUEST_HEADER);
      if (delay != null) {
        try {
          Thread.sleep(Math.max(0, Long.parseLong(delay.trim())));
        } catch (NumberFormatException ignored) {
          // not a number: no delay
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      keepAlive &= !stopping;
      String common = "x-echo-pod: " + podName + "\r\n" + (keepAlive ? "" : "Connection: close\r\n");
      String replay = header(headers, REPLAY_REQUEST_HEADER);
      if (replay != null) {
        write(out, "HTTP/1.1 200 OK\r\nfly-replay: " + replay + "\r\nContent-Length: 0\r\n" + common + "\r\n");
        return keepAlive;
      }
      if ("GET".equals(method) && "/sse".equals(path)) {
        write(out, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n" + common + "\r\n");
        for (int n = 1; n <= SSE_EVENTS; n++) {
          byte[] event = ("data: " + n + "\n\n").getBytes(StandardCharsets.UTF_8);
          write(out, Integer.toHexString(event.length) + "\r\n" + new String(event, StandardCharsets.UTF_8) + "\r\n");
          if (n < SSE_EVENTS) {
            try {
              Thread.sleep(SSE_INTERVAL_MS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return false;
            }
          }
        }
        write(out, "0\r\n\r\n");
        return keepAlive && !stopping;
      }
      byte[] body = json(method, target, headers).getBytes(StandardCharsets.UTF_8);
      out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n" + common + "\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      if (!"HEAD".equals(method)) {
        out.write(body);
      }
      out.flush();
      return keepAlive;
    }

    void readBody(Map<String, List<String>> headers, InputStream in) throws IOException {
      String te = header(headers, "transfer-encoding");
      if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
        while (true) {
          String sizeLine = readLine(in);
          if (sizeLine == null) {
            throw new EOFException();
          }
          int semi = sizeLine.indexOf(';');
          long size = Long.parseLong((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
          if (size == 0) {
            String trailer;
            while ((trailer = readLine(in)) != null && !trailer.isEmpty()) {
              // trailers are ignored
            }
            return;
          }
          skip(in, size);
          readLine(in); // the CRLF after the chunk
        }
      }
      String cl = header(headers, "content-length");
      if (cl != null) {
        skip(in, Long.parseLong(cl.trim()));
      }
    }

    void webSocket(String key, InputStream in, OutputStream out) throws IOException {
      String accept;
      try {
        accept = Base64.getEncoder().encodeToString(
            MessageDigest.getInstance("SHA-1").digest((key + WS_GUID).getBytes(StandardCharsets.ISO_8859_1)));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
      write(out, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
          + accept + "\r\nx-echo-pod: " + podName + "\r\n\r\n");
      while (true) {
        int b0 = in.read();
        int b1 = in.read();
        if (b0 < 0 || b1 < 0) {
          return;
        }
        int opcode = b0 & 0x0F;
        long len = b1 & 0x7F;
        if (len == 126) {
          len = (readByte(in) << 8) | readByte(in);
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
        if (len > 16 << 20) {
          return; // too big for an echo
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
          case 0xA -> { } // pong: nothing
          default -> frame(out, b0 & 0x8F, payload); // data or continuation: echo as sent
        }
      }
    }
  }

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

  private static void skip(InputStream in, long n) throws IOException {
    long left = n;
    while (left > 0) {
      long skipped = in.skip(left);
      if (skipped <= 0) {
        if (in.read() < 0) {
          throw new EOFException();
        }
        skipped = 1;
      }
      left -= skipped;
    }
  }

  private static void write(OutputStream out, String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  /** A line without its CRLF (ISO-8859-1); null at end of stream before any byte. */
  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(128);
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') {
        int n = line.size();
        byte[] bytes = line.toByteArray();
        return new String(bytes, 0, n > 0 && bytes[n - 1] == '\r' ? n - 1 : n, StandardCharsets.ISO_8859_1);
      }
      if (line.size() >= MAX_LINE) {
        throw new IOException("line too long");
      }
      line.write(b);
    }
    if (line.size() == 0) {
      return null;
    }
    throw new EOFException();
  }

  private static String header(Map<String, List<String>> headers, String name) {
    List<String> v = headers.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  private String json(String method, String target, Map<String, List<String>> headers) {
    StringBuilder sb = new StringBuilder(256);
    sb.append("{\"pod\":").append(quote(podName))
        .append(",\"method\":").append(quote(method))
        .append(",\"path\":").append(quote(target))
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

  static String quote(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(s, sb);
    return sb.append('"').toString();
  }

  private static String env(String name, String dflt) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? dflt : v;
  }

  public static void main(String[] args) throws Exception {
    String host = env("BIND_ADDRESS", "127.0.0.1");
    int port = Integer.parseInt(env("PORT", "8080"));
    String pod = env("POD_NAME", "echo");
    long startDelay = Long.parseLong(env("START_DELAY_MS", "0"));
    int grace = Integer.parseInt(env("GRACE_SECONDS", "5"));
    if (startDelay > 0) {
      Thread.sleep(startDelay);
    }
    EchoBackend echo = start(new InetSocketAddress(host, port), pod);
    long upMillis = ProcessHandle.current().info().startInstant()
        .map(t -> java.time.Duration.between(t, java.time.Instant.now()).toMillis()).orElse(-1L);
    System.out.println(java.time.Instant.now() + " echo backend " + pod + " listening on " + host + ":" + echo.address().getPort()
        + " (" + upMillis + " ms after start, start delay " + startDelay + " ms)");
    System.out.flush();
    // SIGTERM runs shutdown hooks: stop listening, let in-flight requests finish, then exit.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> echo.stop(grace), "echo-stop"));
    Thread.currentThread().join();
  }
}
