package io.flycast.embedded;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The built-in workload of the embedded runtime: a tiny HTTP server, started as one process per
 * pod. It depends on the JDK only (com.sun.net.httpserver), so it starts fast.
 *
 * <p>Configured by the environment: {@code BIND_ADDRESS} (default 127.0.0.1), {@code PORT}
 * (default 8080), {@code POD_NAME}, {@code START_DELAY_MS} (wait that long before listening, to
 * emulate a slow cold start) and {@code GRACE_SECONDS} (how long SIGTERM waits for in-flight
 * requests).
 *
 * <p>Every request gets 200 and JSON {@code {"pod":..., "method":..., "path":..., "headers":{...}}},
 * except: header {@code x-echo-fly-replay: V} answers with response header {@code fly-replay: V}
 * and an empty body; {@code x-echo-delay-ms: N} waits N ms first; {@code GET /sse} streams
 * {@code data: n} events every 100 ms, 20 of them. HTTP/1.1 keep-alive is the server's default.
 * SIGTERM closes the listener and lets in-flight requests finish.
 */
public final class EchoBackend {
  static final String REPLAY_REQUEST_HEADER = "x-echo-fly-replay";
  static final String DELAY_REQUEST_HEADER = "x-echo-delay-ms";
  static final int SSE_EVENTS = 20;
  static final long SSE_INTERVAL_MS = 100;

  private final HttpServer server;
  private final ExecutorService executor;
  private final String podName;

  private EchoBackend(HttpServer server, ExecutorService executor, String podName) {
    this.server = server;
    this.executor = executor;
    this.podName = podName;
  }

  /** Binds and starts serving. */
  public static EchoBackend start(InetSocketAddress bind, String podName) throws IOException {
    HttpServer server = HttpServer.create(bind, 128);
    ExecutorService executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "echo");
      t.setDaemon(true);
      return t;
    });
    EchoBackend echo = new EchoBackend(server, executor, podName);
    server.createContext("/", echo::handle);
    server.setExecutor(executor);
    server.start();
    return echo;
  }

  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** Stops accepting, waits up to {@code graceSeconds} for in-flight exchanges, then closes. */
  public void stop(int graceSeconds) {
    server.stop(graceSeconds);
    executor.shutdownNow();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      try (InputStream in = ex.getRequestBody()) {
        in.transferTo(OutputStream.nullOutputStream());
      }
      String delay = ex.getRequestHeaders().getFirst(DELAY_REQUEST_HEADER);
      if (delay != null) {
        try {
          Thread.sleep(Long.parseLong(delay.trim()));
        } catch (NumberFormatException ignored) {
          // not a number: no delay
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      String replay = ex.getRequestHeaders().getFirst(REPLAY_REQUEST_HEADER);
      if (replay != null) {
        ex.getResponseHeaders().set("fly-replay", replay);
        ex.getResponseHeaders().set("x-echo-pod", podName);
        ex.sendResponseHeaders(200, -1);
        return;
      }
      if ("GET".equals(ex.getRequestMethod()) && "/sse".equals(ex.getRequestURI().getPath())) {
        sse(ex);
        return;
      }
      byte[] body = json(ex).getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.getResponseHeaders().set("x-echo-pod", podName);
      if ("HEAD".equals(ex.getRequestMethod())) {
        ex.sendResponseHeaders(200, -1);
        return;
      }
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
    }
  }

  private void sse(HttpExchange ex) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "text/event-stream");
    ex.getResponseHeaders().set("Cache-Control", "no-cache");
    ex.getResponseHeaders().set("x-echo-pod", podName);
    ex.sendResponseHeaders(200, 0); // chunked
    OutputStream out = ex.getResponseBody();
    for (int n = 1; n <= SSE_EVENTS; n++) {
      out.write(("data: " + n + "\n\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      if (n < SSE_EVENTS) {
        try {
          Thread.sleep(SSE_INTERVAL_MS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
    out.close();
  }

  private String json(HttpExchange ex) {
    StringBuilder sb = new StringBuilder(256);
    sb.append("{\"pod\":").append(quote(podName))
        .append(",\"method\":").append(quote(ex.getRequestMethod()))
        .append(",\"path\":").append(quote(ex.getRequestURI().toString()))
        .append(",\"headers\":{");
    Map<String, List<String>> headers = new TreeMap<>();
    ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v));
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
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
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
    System.out.println("echo backend " + pod + " listening on " + host + ":" + echo.address().getPort());
    System.out.flush();
    // SIGTERM runs shutdown hooks: stop listening, let in-flight requests finish, then exit.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> echo.stop(grace), "echo-stop"));
    Thread.currentThread().join();
  }
}
