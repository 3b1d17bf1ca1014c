package io.flycast.admin;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What each admin path answers, independent of HTTP plumbing and of who asks (see {@link
 * AdminAccess}): {@code /healthz} (the process is alive), {@code /readyz} (informers have synced,
 * the first catalog is built, the proxy listens and the process is not shutting down; else 503 and
 * why), {@code /metrics} (Prometheus exposition, format by Accept), {@code /debug/catalog} (the
 * routing table as JSON), {@code /debug/stats} (the status page's figures) and {@code /} (the
 * status page).
 */
public final class AdminEndpoints {
  /** The leader's poll of this replica's load ({@code io.flycast.peers}); peer token only. */
  static final String PEER_LOAD = "/peer/load";

  /** {@code POST /admin/cache/purge?route=ns/name}: drops a route's cached responses. */
  static final String CACHE_PURGE = "/admin/cache/purge";

  /** The header that carries the leader's cordons on that poll. */
  static final String PEER_CORDONS = "Fly-Peer-Cordons";

  /** Paths that may take milliseconds: they scrape the registry or walk the catalog. */
  private static final Set<String> RENDERED =
      Set.of("/metrics", "/debug/catalog", "/debug/stats", "/debug/routes", PEER_LOAD);

  private static final byte[] NOT_FOUND =
      "not found: try /, /healthz, /readyz, /metrics, /debug/catalog, /debug/stats, /debug/routes\n"
          .getBytes(StandardCharsets.UTF_8);

  private final Readiness ready;
  private final PrometheusRegistry registry;
  private final Supplier<String> catalogJson;
  private final ExpositionFormats formats = ExpositionFormats.init();
  private final byte[] statusPage;
  private volatile java.util.function.UnaryOperator<String> peerLoad;
  private volatile java.util.function.Predicate<String> cachePurge;
  private volatile Supplier<String> routeStatus = () -> "{}";

  /**
   * @param ready whether this replica should get traffic, and if not why
   * @param registry what {@code /metrics} and {@code /debug/stats} show
   * @param catalogJson the routing table as JSON, for {@code /debug/catalog}
   * @throws IOException if the status page is missing from the jar
   */
  public AdminEndpoints(Readiness ready, PrometheusRegistry registry, Supplier<String> catalogJson)
      throws IOException {
    this.ready = ready;
    this.registry = registry;
    this.catalogJson = catalogJson;
    this.statusPage = statusPage();
  }

  /**
   * Serves {@code /peer/load}: given the poll's cordon header (or null), the report as JSON.
   * Without it the path is not found.
   */
  public AdminEndpoints peerLoad(java.util.function.UnaryOperator<String> answer) {
    this.peerLoad = answer;
    return this;
  }

  /**
   * Serves {@code /debug/routes}: each route's conditions and last autostart and autostop, as JSON
   * keyed by {@code namespace/name} ({@code {}} until set).
   */
  public AdminEndpoints routeStatus(Supplier<String> json) {
    this.routeStatus = json;
    return this;
  }

  /**
   * Serves {@code POST /admin/cache/purge?route=ns/name}: {@code purge} drops the route's cached
   * responses on this replica and says whether it had any. Without it the path is not found.
   */
  public AdminEndpoints cachePurge(java.util.function.Predicate<String> purge) {
    this.cachePurge = purge;
    return this;
  }

  /** The answer to a purge of {@code route} (as {@code ns/name}), or null for the usual 404. */
  AdminResponse purge(String route) {
    var purge = cachePurge;
    if (purge == null) {
      return AdminResponse.of(HttpResponseStatus.NOT_FOUND, AdminResponse.TEXT, NOT_FOUND);
    }
    if (route == null || !route.matches("[a-z0-9.-]{1,253}/[a-z0-9.-]{1,253}")) {
      return AdminResponse.text(
          HttpResponseStatus.BAD_REQUEST,
          "route must name the route as namespace/name: /admin/cache/purge?route=default/web\n");
    }
    return purge.test(route)
        ? AdminResponse.text(HttpResponseStatus.OK, "purged " + route + "\n")
        : AdminResponse.text(
            HttpResponseStatus.NOT_FOUND,
            "no cached responses for " + route + " on this replica\n");
  }

  /** Whether answering {@code path} may take long enough to keep it off the event loop. */
  static boolean rendered(String path) {
    return RENDERED.contains(path);
  }

  /**
   * The answer for a GET of {@code path}.
   *
   * @param accept the request's Accept header, or null
   */
  AdminResponse answer(String path, String accept) throws IOException {
    return answer(path, accept, null);
  }

  /**
   * The answer for a GET of {@code path}.
   *
   * @param accept the request's Accept header, or null
   * @param peerCordons the {@value #PEER_CORDONS} header, or null
   */
  AdminResponse answer(String path, String accept, String peerCordons) throws IOException {
    var peers = peerLoad;
    if (PEER_LOAD.equals(path) && peers != null) {
      return json(peers.apply(peerCordons));
    }
    return switch (path) {
      case "/healthz" -> AdminResponse.text(HttpResponseStatus.OK, "ok\n");
      case "/readyz" -> readyz();
      case "/metrics" -> metrics(accept);
      case "/debug/catalog" -> json(catalogJson.get());
      case "/debug/stats" -> json(StatsJson.render(registry));
      case "/debug/routes" -> json(routeStatus.get());
      case "/" -> AdminResponse.of(HttpResponseStatus.OK, "text/html; charset=utf-8", statusPage);
      default -> AdminResponse.of(HttpResponseStatus.NOT_FOUND, AdminResponse.TEXT, NOT_FOUND);
    };
  }

  private AdminResponse readyz() {
    String why = ready.whyNotReady();
    return why == null
        ? AdminResponse.text(HttpResponseStatus.OK, "ready\n")
        : AdminResponse.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "not ready: " + why + "\n");
  }

  private AdminResponse metrics(String accept) throws IOException {
    ExpositionFormatWriter writer = formats.findWriter(accept);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writer.write(out, registry.scrape());
    return AdminResponse.of(HttpResponseStatus.OK, writer.getContentType(), out.toByteArray());
  }

  private static AdminResponse json(String body) {
    return AdminResponse.of(
        HttpResponseStatus.OK, "application/json", body.getBytes(StandardCharsets.UTF_8));
  }

  /** The status page, plain HTML and JS shipped in the jar. */
  private static byte[] statusPage() throws IOException {
    try (var in = AdminEndpoints.class.getResourceAsStream("/admin/index.html")) {
      if (in == null) {
        throw new IOException("admin/index.html missing from the jar");
      }
      return in.readAllBytes();
    }
  }
}
