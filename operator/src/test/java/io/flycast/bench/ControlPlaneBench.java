package io.flycast.bench;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flycast.Flycast;
import io.flycast.FlycastConfig;
import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.RouteSpec;
import io.flycast.embedded.EmbeddedApiServer;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Control-plane benchmark: create N annotated Services on the embedded API and measure the time
 * from each create call to the moment its route is in the catalog (what /debug/catalog serves),
 * then the catalog's heap per route. Run by {@code make bench}; prints one line per N.
 */
public final class ControlPlaneBench {
  public static void main(String[] args) throws Exception {
    int[] sizes =
        args.length == 0
            ? new int[] {1_000, 10_000}
            : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
    for (int n : sizes) {
      run(n);
    }
    heapPerRoute(100_000);
    catalogUpdateCost(100_000);
  }

  /**
   * Flycast's own cost per route change, without the API server: translate a Service and publish it
   * into a catalog already holding n routes. (The create->routable figure above is dominated by the
   * embedded API, whose CRUD store scans every object on each request.)
   */
  static void catalogUpdateCost(int n) throws Exception {
    CatalogStore store = new CatalogStore();
    InetAddress base = InetAddress.getByName("fdaa:0:48c8:0:1::");
    Service[] svcs = new Service[n];
    InetAddress[] addrs = new InetAddress[n];
    for (int i = 0; i < n; i++) {
      svcs[i] = service("svc-" + i);
      byte[] a = base.getAddress();
      a[12] = (byte) (i >>> 24);
      a[13] = (byte) (i >>> 16);
      a[14] = (byte) (i >>> 8);
      a[15] = (byte) i;
      addrs[i] = InetAddress.getByAddress(a);
    }
    for (int round = 0;
        round < 3;
        round++) { // the last round is measured; the first two warm the JIT
      store = new CatalogStore();
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        store.putSpec(
            io.flycast.control.translate.ServiceTranslator.translate(
                    svcs[i], addrs[i], secret -> null)
                .spec());
      }
      long t = System.nanoTime() - t0;
      if (round == 2) {
        System.out.printf(
            "catalog update: translate + publish %d routes in %.0f ms (%.2f us per route change,"
                + " catalog growing to %d)%n",
            n, t / 1e6, t / 1e3 / n, store.current().size());
      }
    }
  }

  static void run(int n) throws Exception {
    try (EmbeddedApiServer api = new EmbeddedApiServer().start(0)) {
      KubernetesClient client = api.client();
      FlycastConfig cfg =
          FlycastConfig.forTests(false).withRepairInterval(java.time.Duration.ofSeconds(30));
      try (Flycast flycast = new Flycast(cfg, client).start()) {
        while (!flycast.isLeader()) {
          Thread.onSpinWait();
        }
        Map<String, Long> created = new ConcurrentHashMap<>();
        Map<String, Long> routed = new ConcurrentHashMap<>();
        CountDownLatch all = new CountDownLatch(n);
        flycast
            .catalog()
            .addListener(
                c ->
                    c.specsChanged()
                        .forEach(
                            k -> {
                              if (c.catalog().route(k) != null
                                  && routed.putIfAbsent(k.name(), System.nanoTime()) == null) {
                                all.countDown();
                              }
                            }));
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        for (int i = 0; i < n; i++) {
          String name = "svc-" + i;
          pool.execute(
              () -> {
                created.put(name, System.nanoTime());
                client.services().inNamespace("default").resource(service(name)).create();
              });
        }
        pool.shutdown();
        boolean done = all.await(30, TimeUnit.MINUTES);
        long total = System.nanoTime() - start;
        long[] lat =
            created.entrySet().stream()
                .filter(e -> routed.containsKey(e.getKey()))
                .mapToLong(e -> routed.get(e.getKey()) - e.getValue())
                .sorted()
                .toArray();
        System.out.printf(
            "control-plane n=%d routed=%d%s create->routable p50=%.1f ms p99=%.1f ms max=%.1f ms;"
                + " all routed in %.1f s (%.0f services/s)%n",
            n,
            lat.length,
            done ? "" : " (TIMED OUT)",
            ms(pct(lat, 0.50)),
            ms(pct(lat, 0.99)),
            ms(lat[lat.length - 1]),
            total / 1e9,
            n / (total / 1e9));
      }
    }
  }

  static void heapPerRoute(int n) throws Exception {
    CatalogStore store = new CatalogStore();
    long before = usedAfterGc();
    for (int i = 0; i < n; i++) {
      byte[] a = InetAddress.getByName("fdaa:0:48c8:0:1::1").getAddress();
      a[12] = (byte) (i >>> 24);
      a[13] = (byte) (i >>> 16);
      a[14] = (byte) (i >>> 8);
      a[15] = (byte) i;
      store.putSpec(
          RouteSpec.builder(new RouteKey("default", "svc-" + i), InetAddress.getByAddress(a))
              .ports(List.of(PortSpec.tcp(80, 8080)))
              .isPrivate(true)
              .network("default")
              .build());
    }
    long after = usedAfterGc();
    System.out.printf(
        "catalog heap: %d routes, %.0f bytes/route (snapshot + indexes, one port, no backends)%n",
        store.current().size(), (after - before) / (double) n);
  }

  static long usedAfterGc() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }

  static Service service(String name) {
    return new ServiceBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace("default")
        .withAnnotations(Map.of("fly.io/flycast", "true"))
        .endMetadata()
        .withNewSpec()
        .withSelector(Map.of("app", name))
        .addNewPort()
        .withPort(80)
        .withNewTargetPort(8080)
        .withProtocol("TCP")
        .endPort()
        .endSpec()
        .build();
  }

  static long pct(long[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
  }

  static double ms(long nanos) {
    return nanos / 1e6;
  }
}
