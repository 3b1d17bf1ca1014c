package io.flycast;

import io.flycast.autoscale.AutoscaleMetrics;
import io.flycast.autoscale.Autostarter;
import io.flycast.autoscale.EarlyProber;
import io.flycast.autoscale.KubernetesBackendScaler;
import io.flycast.catalog.Backend;
import io.flycast.catalog.RouteKey;
import io.flycast.control.reconcile.AutoscaleRecorder;
import io.flycast.control.watch.CatalogSync;
import io.flycast.health.HealthChecker;
import io.flycast.network.NetworkPolicy;
import io.flycast.proxy.ProxyConfig;
import io.flycast.proxy.ProxyMetrics;
import io.flycast.proxy.ProxyServer;
import io.flycast.proxy.balance.LoadTracker;
import io.flycast.proxy.tls.CertificateSource;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The proxy and autostart of one replica. Every replica proxies and may autostart (a held request
 * must not wait for the leader; scaling to at least one is idempotent); autostop, which only the
 * leader runs, is wired by {@link LoadSharing}.
 *
 * @param proxy null when no proxy listener is configured
 * @param tracker null when no proxy listener is configured
 */
record DataPlane(
    Autostarter autostarter,
    ProxyServer proxy,
    LoadTracker tracker,
    KubernetesBackendScaler scaler,
    AutoscaleMetrics autoscaleMetrics,
    ScheduledExecutorService timer) {

  static DataPlane start(
      Wiring w,
      CertificateSource certificates,
      NetworkPolicy access,
      AutoscaleRecorder autoscaleRecorder,
      KubernetesBackendScaler scaler,
      CatalogSync sync)
      throws InterruptedException {
    FlycastConfig config = w.config();
    ScheduledExecutorService timer =
        Executors.newScheduledThreadPool(2, Wiring.daemon("flycast-autoscale"));
    w.own(timer::shutdownNow);
    ExecutorService blocking = Executors.newCachedThreadPool(Wiring.daemon("flycast-scale"));
    w.own(blocking::shutdownNow);
    AutoscaleMetrics autoscaleMetrics = new AutoscaleMetrics(w.registry());
    Autostarter autostarter =
        w.own(
            new Autostarter(
                w.store(),
                scaler,
                blocking,
                timer,
                config.autostartTimeout(),
                config.maxHeldPerRoute(),
                autoscaleMetrics,
                autoscaleRecorder));
    if (config.earlyProbing()) {
      // While requests are held, the starting pods are probed here and released to at once,
      // rather than at the kubelet's next probe period (see EarlyProber).
      EarlyProber early =
          w.own(
              new EarlyProber(
                  w.client(),
                  sync::selector,
                  new EarlyProber.Sink() {
                    @Override
                    public void passed(RouteKey route, Backend backend, String node) {
                      sync.podReadyEarly(route, backend, node);
                    }

                    @Override
                    public void forget(RouteKey route, String pod) {
                      sync.forgetEarly(route, pod);
                    }
                  },
                  config.autostartTimeout().plus(Duration.ofMinutes(1))));
      autostarter.onColdStart(early::coldStart);
    }
    if (!w.proxies()) {
      return new DataPlane(autostarter, null, null, scaler, autoscaleMetrics, timer);
    }
    ProxyServer proxy =
        new ProxyServer(
            proxyConfig(config),
            w.store(),
            new ProxyMetrics(w.registry()),
            certificates,
            autostarter::awaitReady,
            access);
    // Health checks only steer new work away from failing backends; they never restart them.
    HealthChecker health = w.own(new HealthChecker(w.store(), w.registry()).start());
    proxy.balancer().useHealth(health);
    health.onRecovered(proxy::backendRecovered);
    LoadTracker tracker = proxy.balancer().tracker();
    autostarter.usableWhen(
        (route, b) -> b.acceptsNewWork() && !tracker.isCordoned(route, b.name()));
    proxy
        .balancer()
        .onAllOverSoftLimit(
            route ->
                autostarter.scaleOut(
                    route.spec(),
                    (int) route.backends().stream().filter(Backend::acceptsNewWork).count()));
    proxy.start(config.dedicatedListen() != null);
    w.own(proxy::stop);
    return new DataPlane(autostarter, proxy, tracker, scaler, autoscaleMetrics, timer);
  }

  private static ProxyConfig proxyConfig(FlycastConfig config) {
    ProxyConfig.Builder pc =
        ProxyConfig.builder()
            .httpAddress(config.httpListen())
            .httpsAddress(config.tlsListen())
            .zone(config.zone())
            .dedicatedIpv6Only(true) // Flycast addresses are IPv6
            .queueTimeout(config.proxyTuning().queueTimeout())
            .maxQueuedPerRoute(config.proxyTuning().maxQueuedPerRoute())
            .startRetryWindow(config.autostartTimeout())
            .workerThreads(config.proxyTuning().threads())
            .tlsProvider(config.proxyTuning().tlsProvider())
            .headerReadTimeout(config.proxyTuning().headerReadTimeout())
            .bodyReadTimeout(config.proxyTuning().bodyReadTimeout())
            .minBodyRate(config.proxyTuning().minBodyRate())
            .cacheMaxBytes(config.proxyTuning().cacheMaxBytes())
            .rateLimitMaxKeys(config.proxyTuning().rateLimitMaxKeys());
    if (config.dedicatedListen() != null) {
      pc.dedicatedBindAddress(config.dedicatedListen());
    }
    return pc.build();
  }
}
