package io.flycast.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP origin on 127.0.0.1 whose caching headers the request chooses: {@code
 * x-origin-cache-control}, {@code x-origin-etag}, {@code x-origin-vary} and {@code
 * x-origin-set-cookie} (and {@code x-origin-age}) come back as Cache-Control, ETag, Vary and
 * Set-Cookie (and Age); {@code x-origin-size: N} asks for an N-byte body ({@code x-origin-chunked:
 * true} sends it chunked). The body otherwise says which request this is ({@code n=3}) and the
 * request's Accept-Language. A request whose If-None-Match names the ETag gets 304.
 */
final class CacheOrigin implements AutoCloseable {
  final AtomicInteger requests = new AtomicInteger();

  /** The If-None-Match of every request, "-" when it had none. */
  final List<String> ifNoneMatch = new CopyOnWriteArrayList<>();

  /** While set, every request waits for it before it is answered: a miss held in the air. */
  volatile CountDownLatch hold;

  /** A status the next request gets, with no body, instead of 200 (once; 0 = none). */
  final AtomicInteger failNext = new AtomicInteger();

  private final HttpServer server;

  CacheOrigin() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::answer);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  private void answer(HttpExchange ex) throws IOException {
    int n = requests.incrementAndGet();
    CountDownLatch h = hold;
    if (h != null) {
      try {
        h.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    int fail = failNext.getAndSet(0);
    if (fail != 0) {
      ex.sendResponseHeaders(fail, -1);
      ex.close();
      return;
    }
    var in = ex.getRequestHeaders();
    var out = ex.getResponseHeaders();
    String inm = in.getFirst("If-None-Match");
    ifNoneMatch.add(inm == null ? "-" : inm);
    Map.of(
            "x-origin-cache-control", "Cache-Control",
            "x-origin-etag", "ETag",
            "x-origin-vary", "Vary",
            "x-origin-set-cookie", "Set-Cookie",
            "x-origin-age", "Age",
            "x-origin-last-modified", "Last-Modified")
        .forEach(
            (from, to) -> {
              String v = in.getFirst(from);
              if (v != null) {
                out.set(to, v);
              }
            });
    String etag = in.getFirst("x-origin-etag");
    if (etag != null && etag.equals(inm)) {
      ex.sendResponseHeaders(304, -1);
      ex.close();
      return;
    }
    String size = in.getFirst("x-origin-size");
    byte[] body =
        size != null
            ? "x".repeat(Integer.parseInt(size)).getBytes(StandardCharsets.UTF_8)
            : ("n=" + n + " lang=" + in.getFirst("Accept-Language") + "\n")
                .getBytes(StandardCharsets.UTF_8);
    boolean chunked = "true".equals(in.getFirst("x-origin-chunked"));
    ex.sendResponseHeaders(200, chunked ? 0 : body.length);
    if ("HEAD".equals(ex.getRequestMethod())) {
      ex.close();
      return;
    }
    try (OutputStream o = ex.getResponseBody()) {
      o.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
