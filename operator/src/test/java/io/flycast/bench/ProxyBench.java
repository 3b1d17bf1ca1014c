package io.flycast.bench;

import io.flycast.catalog.Backend;
import io.flycast.catalog.CacheSettings;
import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.Concurrency;
import io.flycast.catalog.ConcurrencyType;
import io.flycast.catalog.Handler;
import io.flycast.catalog.HttpOptions;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.ProxyProtoVersion;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.RouteSpec;
import io.flycast.catalog.TlsOptions;
import io.flycast.proxy.ProxyConfig;
import io.flycast.proxy.ProxyMetrics;
import io.flycast.proxy.ProxyServer;
import io.flycast.proxy.tls.CertificateSource;
import io.flycast.proxy.tls.ServerCertificate;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Starts only the proxy, with one route ({@code web.default.flycast}, address 127.0.0.1) to a
 * backend given on the command line, for load tests driven from outside (hack/bench.sh runs wrk,
 * iperf3 and openssl s_time against it, nginx and HAProxy side by side).
 *
 * <p>Args: {@code listenPort backendHost backendPort [tcpListenPort] [options]}. The shared HTTP
 * listener is on 127.0.0.1:listenPort and routes by Host header; with tcpListenPort the route's
 * HTTP port is also served on a dedicated listener there. Options add dedicated ports to the same
 * route (same backend host, their own backend port):
 *
 * <ul>
 *   <li>{@code --tcp=PORT:TARGET} a port with no handlers: a raw TCP relay to backendHost:TARGET
 *   <li>{@code --tls=PORT:TARGET} a port with the tls and http handlers: TLS terminated with the
 *       certificate of {@code --cert=FILE} and {@code --key=FILE} (PEM, PKCS#8 key), then HTTP to
 *       backendHost:TARGET
 * </ul>
 */
public final class ProxyBench {
  public static void main(String[] args) throws Exception {
    ProxyServer.disableLeakDetectionUnlessAsked(); // as Main does: measure what runs in production
    List<String> positional = new ArrayList<>();
    List<int[]> tcp = new ArrayList<>();
    List<int[]> tls = new ArrayList<>();
    String cert = null;
    String key = null;
    for (String a : args) {
      if (a.startsWith("--tcp=")) {
        tcp.add(portPair(a.substring("--tcp=".length())));
      } else if (a.startsWith("--tls=")) {
        tls.add(portPair(a.substring("--tls=".length())));
      } else if (a.startsWith("--cert=")) {
        cert = a.substring("--cert=".length());
      } else if (a.startsWith("--key=")) {
        key = a.substring("--key=".length());
      } else if (a.startsWith("--")) {
        throw new IllegalArgumentException("unknown option " + a);
      } else {
        positional.add(a);
      }
    }
    int listen = Integer.parseInt(positional.get(0));
    InetAddress backendHost = InetAddress.getByName(positional.get(1));
    int backendPort = Integer.parseInt(positional.get(2));
    boolean dedicatedHttp = positional.size() > 3;

    List<PortSpec> ports = new ArrayList<>();
    ports.add(
        new PortSpec(
            dedicatedHttp ? Integer.parseInt(positional.get(3)) : 80,
            backendPort,
            Set.of(Handler.HTTP),
            false,
            null,
            ProxyProtoVersion.V1,
            HttpOptions.DEFAULT));
    Set<Integer> extra = new HashSet<>();
    for (int[] p : tcp) {
      ports.add(PortSpec.tcp(p[0], p[1]));
      extra.add(p[0]);
    }
    for (int[] p : tls) {
      ports.add(
          new PortSpec(
              p[0],
              p[1],
              Set.of(Handler.TLS, Handler.HTTP),
              false,
              new TlsOptions("bench-tls", List.of(), List.of()),
              ProxyProtoVersion.V1,
              HttpOptions.DEFAULT));
      extra.add(p[0]);
    }
    CertificateSource certificates = CertificateSource.NONE;
    if (!tls.isEmpty()) {
      if (cert == null || key == null) {
        throw new IllegalArgumentException("--tls needs --cert and --key");
      }
      // What the control plane makes of a TLS Secret (SecretCertificates): parsed key material. The
      // proxy builds the TLS context with its provider: OpenSSL when it loads, unless
      // -Dflycast.tls.provider=jdk.
      ServerCertificate certificate =
          ServerCertificate.fromPem(
              Files.readAllBytes(Path.of(cert)), Files.readAllBytes(Path.of(key)));
      certificates = (route, secret) -> certificate;
    }

    CatalogStore store = new CatalogStore();
    RouteKey route = new RouteKey("default", "web");
    store.putSpec(
        RouteSpec.builder(route, InetAddress.getByName("127.0.0.1"))
            .ports(ports)
            .concurrency(
                new Concurrency(ConcurrencyType.REQUESTS, 10_000, Concurrency.NO_HARD_LIMIT))
            .network("default")
            // -Dflycast.bench.cache=true: the route caches responses (BENCH=cache)
            .cache(Boolean.getBoolean("flycast.bench.cache") ? CacheSettings.DEFAULT : null)
            .build());
    store.putBackends(
        route, List.of(new Backend("backend-0", backendHost, "local", true, true, false)));
    ProxyServer proxy =
        new ProxyServer(
            ProxyConfig.builder()
                .httpAddress(new InetSocketAddress("127.0.0.1", listen))
                .zone("local")
                .dedicatedBindAddress(InetAddress.getByName("127.0.0.1"))
                // Off unless asked (-Dflycast.bench.accessLog=true): numbers stay comparable with
                // earlier runs.
                .workerThreads(Integer.getInteger("flycast.bench.workers", 0))
                .accessLog(Boolean.getBoolean("flycast.bench.accessLog"))
                .build(),
            store,
            new ProxyMetrics(new PrometheusRegistry()),
            certificates);
    Runtime.getRuntime().addShutdownHook(new Thread(proxy::stop));
    // Without a dedicated HTTP port the route's HTTP port is 80, which is not opened: only the
    // extra ports get dedicated listeners then.
    proxy.start(dedicatedHttp);
    if (!extra.isEmpty()) {
      proxy.ensureListeners(extra);
      if (!proxy.awaitListeners(extra, java.time.Duration.ofSeconds(10))) {
        throw new IllegalStateException(
            "dedicated listeners not bound: " + extra + " (bound: " + proxy.dedicatedPorts() + ")");
      }
    }
    System.out.println(
        "proxy ready on 127.0.0.1:"
            + listen
            + (extra.isEmpty() ? "" : " and dedicated ports " + extra));
    Thread.currentThread().join();
  }

  private static int[] portPair(String s) {
    String[] parts = s.split(":");
    if (parts.length != 2) {
      throw new IllegalArgumentException("expected PORT:TARGET, got " + s);
    }
    return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
  }
}
