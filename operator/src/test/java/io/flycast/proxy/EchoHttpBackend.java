package io.flycast.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP backend on 127.0.0.1: answers every request with the request's headers as the body
 * ({@code name: value} lines, names lower-cased), then a blank line and the request body. {@code
 * /stream} sends a first chunk, waits for {@link #releaseStream()}, then a second.
 */
public final class EchoHttpBackend implements AutoCloseable {
  final String name;
  final HttpServer server;
  public final AtomicInteger requests = new AtomicInteger();
  final CountDownLatch streamGate = new CountDownLatch(1);

  public EchoHttpBackend(String name) throws IOException {
    this(name, "127.0.0.1", 0);
  }

  /**
   * On {@code address}: several backends of one route share the target port on different loopback
   * addresses.
   */
  public EchoHttpBackend(String name, String address, int port) throws IOException {
    this.name = name;
    server = HttpServer.create(new InetSocketAddress(address, port), 64);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::echo);
    server.createContext("/stream", this::stream);
    server.start();
  }

  /** Two backends of one route: {@code first} on 127.0.0.1, {@code second} on the same port. */
  public record Pair(EchoHttpBackend first, EchoHttpBackend second) implements AutoCloseable {
    @Override
    public void close() {
      second.close();
      first.close();
    }
  }

  /**
   * {@code first} on 127.0.0.1 and {@code second} on {@code secondAddress} at the same port.
   * Another process can hold that port on the second address (a concurrent build's test, or a
   * connection of it in TIME_WAIT: CI run 28), so the pair is made again on another port, up to
   * five times.
   */
  public static Pair pair(String first, String second, String secondAddress) throws IOException {
    for (int attempt = 1; ; attempt++) {
      EchoHttpBackend a = new EchoHttpBackend(first);
      try {
        return new Pair(a, new EchoHttpBackend(second, secondAddress, a.port()));
      } catch (java.net.BindException taken) {
        a.close();
        if (attempt == 5) {
          throw taken;
        }
      }
    }
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public void releaseStream() {
    streamGate.countDown();
  }

  private void echo(HttpExchange ex) throws IOException {
    requests.incrementAndGet();
    Map<String, List<String>> sorted = new TreeMap<>();
    ex.getRequestHeaders().forEach((k, v) -> sorted.put(k.toLowerCase(Locale.ROOT), v));
    StringBuilder sb = new StringBuilder();
    sorted.forEach((k, vs) -> vs.forEach(v -> sb.append(k).append(": ").append(v).append('\n')));
    sb.append('\n');
    byte[] body = ex.getRequestBody().readAllBytes();
    byte[] head = sb.toString().getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("X-Backend", name);
    ex.getResponseHeaders().set("Connection", "keep-alive, X-Hop");
    ex.getResponseHeaders().set("X-Hop", "must be stripped");
    ex.sendResponseHeaders(200, head.length + body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(head);
      out.write(body);
    }
  }

  private void stream(HttpExchange ex) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "text/event-stream");
    ex.sendResponseHeaders(200, 0); // 0 = chunked
    try (OutputStream out = ex.getResponseBody()) {
      out.write("data: first\n\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      try {
        streamGate.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      out.write("data: second\n\n".getBytes(StandardCharsets.UTF_8));
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
