package io.flycast.bench;

import io.flycast.catalog.Autoscale;
import io.flycast.catalog.Backend;
import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.Concurrency;
import io.flycast.catalog.ConcurrencyType;
import io.flycast.catalog.Handler;
import io.flycast.catalog.HttpOptions;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.ProxyProtoVersion;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.RouteSpec;
import io.flycast.proxy.ProxyConfig;
import io.flycast.proxy.ProxyMetrics;
import io.flycast.proxy.ProxyServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;

/**
 * Starts only the proxy, with one route ({@code web.default.flycast}) to a backend given on the
 * command line, for load tests driven from outside (hack/bench.sh runs wrk against it, nginx and
 * HAProxy side by side). Args: listenPort backendHost backendPort [tcpListenPort].
 */
public final class ProxyBench {
  public static void main(String[] args) throws Exception {
    ProxyServer.disableLeakDetectionUnlessAsked(); // as Main does: measure what runs in production
    int listen = Integer.parseInt(args[0]);
    InetAddress backendHost = InetAddress.getByName(args[1]);
    int backendPort = Integer.parseInt(args[2]);
    CatalogStore store = new CatalogStore();
    RouteKey key = new RouteKey("default", "web");
    store.putSpec(new RouteSpec(key, InetAddress.getByName("127.0.0.1"), List.of(),
        List.of(new PortSpec(args.length > 3 ? Integer.parseInt(args[3]) : 80, backendPort, Set.of(Handler.HTTP), false, null,
            ProxyProtoVersion.V1, HttpOptions.DEFAULT)),
        new Concurrency(ConcurrencyType.REQUESTS, 10_000, Concurrency.NO_HARD_LIMIT), Autoscale.DEFAULT, false, "default", null));
    store.putBackends(key, List.of(new Backend("backend-0", backendHost, "local", true, true, false)));
    ProxyServer proxy = new ProxyServer(
        ProxyConfig.builder().httpAddress(new InetSocketAddress("127.0.0.1", listen)).zone("local")
            .dedicatedBindAddress(InetAddress.getByName("127.0.0.1"))
            // Off unless asked (-Dflycast.bench.accessLog=true): numbers stay comparable with earlier runs.
            .workerThreads(Integer.getInteger("flycast.bench.workers", 0))
            .accessLog(Boolean.getBoolean("flycast.bench.accessLog")).build(),
        store, new ProxyMetrics(new PrometheusRegistry()));
    proxy.start(args.length > 3);
    System.out.println("proxy ready on 127.0.0.1:" + listen);
    Runtime.getRuntime().addShutdownHook(new Thread(proxy::stop));
    Thread.currentThread().join();
  }
}
