package io.flycast.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The admin HTTP server: {@code /healthz} (the process is alive), {@code /readyz} (informers have
 * synced and the first catalog is built), {@code /metrics} (Prometheus text) and
 * {@code /debug/catalog} (the routing table as JSON). Off the data path: its own small thread
 * pool, never an event loop of the proxy.
 */
public final class AdminServer implements AutoCloseable {
  private final HttpServer server;

  public AdminServer(
      InetSocketAddress listen, BooleanSupplier ready, PrometheusRegistry registry, Supplier<String> catalogJson)
      throws IOException {
    server = HttpServer.create(listen, 64);
    server.setExecutor(Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "flycast-admin");
      t.setDaemon(true);
      return t;
    }));
    ExpositionFormats formats = ExpositionFormats.init();
    server.createContext("/healthz", ex -> reply(ex, 200, "text/plain", "ok\n"));
    server.createContext("/readyz", ex -> {
      boolean ok = ready.getAsBoolean();
      reply(ex, ok ? 200 : 503, "text/plain", ok ? "ready\n" : "not ready: informers syncing or catalog not built\n");
    });
    server.createContext("/metrics", ex -> {
      var out = new ByteArrayOutputStream();
      var writer = formats.findWriter(ex.getRequestHeaders().getFirst("Accept"));
      writer.write(out, registry.scrape());
      reply(ex, 200, writer.getContentType(), out.toByteArray());
    });
    server.createContext("/debug/catalog", ex -> reply(ex, 200, "application/json", catalogJson.get()));
    server.createContext("/debug/stats", ex -> reply(ex, 200, "application/json", StatsJson.render(registry)));
    byte[] page = statusPage();
    server.createContext("/", ex -> {
      if (!"/".equals(ex.getRequestURI().getPath())) {
        reply(ex, 404, "text/plain", "not found: try /, /healthz, /readyz, /metrics, /debug/catalog, /debug/stats\n");
        return;
      }
      reply(ex, 200, "text/html; charset=utf-8", page);
    });
  }

  /** The status page, plain HTML and JS shipped in the jar. */
  private static byte[] statusPage() throws IOException {
    try (var in = AdminServer.class.getResourceAsStream("/admin/index.html")) {
      if (in == null) {
        throw new IOException("admin/index.html missing from the jar");
      }
      return in.readAllBytes();
    }
  }

  public AdminServer start() {
    server.start();
    return this;
  }

  public InetSocketAddress address() {
    return server.getAddress();
  }

  private static void reply(HttpExchange ex, int status, String type, String body) throws IOException {
    reply(ex, status, type, body.getBytes(StandardCharsets.UTF_8));
  }

  private static void reply(HttpExchange ex, int status, String type, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
