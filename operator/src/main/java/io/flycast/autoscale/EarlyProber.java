package io.flycast.autoscale;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.flycast.catalog.Backend;
import io.flycast.catalog.HealthCheck;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.RouteSpec;
import io.flycast.health.Probe;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a cold start from the pods' side, so held requests do not wait for the kubelet. The
 * kubelet probes a container's readiness every {@code periodSeconds} (10 s by default) and the
 * EndpointSlice follows that: a pod up in 300 ms is routable up to 10 s later. While a route has
 * requests held, this watches its pods (a Pod watch on the route's selector, in its namespace), and
 * probes each pod that has an address with its own readiness probe, or the route's checks ({@link
 * PodReadinessCheck}), every {@link #INTERVAL}. The moment a pod passes it goes to the {@link
 * Sink}, which routes it as ready until its EndpointSlice catches up; that releases the held
 * requests. A pod whose probe Flycast cannot run waits for the kubelet, as it would without this.
 * Knative's activator probes pods in the same spirit.
 *
 * <p>Bounds: one watch per route with a cold start, ended {@code lifetime} after the route's last
 * cold start began; at most {@link #MAX_PODS} pods probed per route; each probe has its check's
 * timeout, at most {@link PodReadinessCheck#MAX_TIMEOUT}. Probes run on one event loop thread of
 * their own and never block.
 */
public final class EarlyProber implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EarlyProber.class);

  /** Time between two probes of one starting pod: a few tens of ms of a cold start at most. */
  static final Duration INTERVAL = Duration.ofMillis(10);

  /** Pods probed at once for one route: a burst's scale-up, with room. */
  static final int MAX_PODS = 256;

  /** Where pods that passed go: the catalog side, which routes them until their slice says so. */
  public interface Sink {
    /**
     * @param node the pod's node ({@code spec.nodeName}); null when not scheduled yet
     */
    void passed(RouteKey route, Backend backend, String node);

    /** Stop routing the pod early (gone, or no longer watched): its slice decides. */
    void forget(RouteKey route, String pod);
  }

  private final KubernetesClient client;
  private final Function<RouteKey, Map<String, String>> selectors;
  private final Sink sink;
  private final Duration lifetime;
  private final EventLoopGroup group =
      new NioEventLoopGroup(1, new DefaultThreadFactory("flycast-early-probe", true));
  private final Map<RouteKey, Session> sessions = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * @param selectors a route's pod labels (null when unknown: nothing is watched)
   * @param lifetime how long a route's pods are watched after its last cold start began: the hold
   *     timeout, plus the time its EndpointSlice may take to catch up
   */
  public EarlyProber(
      KubernetesClient client,
      Function<RouteKey, Map<String, String>> selectors,
      Sink sink,
      Duration lifetime) {
    this.client = client;
    this.selectors = selectors;
    this.sink = sink;
    this.lifetime = lifetime;
  }

  /** A cold start of {@code spec} began: watch its pods (or go on watching them). Never blocks. */
  public void coldStart(RouteSpec spec) {
    if (closed) {
      return;
    }
    EventLoop loop = group.next();
    loop.execute(
        () -> {
          Session s = sessions.get(spec.key());
          if (s != null) {
            s.renew(spec);
            return;
          }
          Map<String, String> selector = selectors.apply(spec.key());
          if (selector == null || selector.isEmpty()) {
            return;
          }
          s = new Session(spec, selector, loop);
          sessions.put(spec.key(), s);
          s.start();
        });
  }

  /** One route's watch and the probes of its pods; its state is confined to its event loop. */
  private final class Session {
    private final EventLoop loop;
    private RouteSpec spec;
    private final SharedIndexInformer<Pod> pods;
    private final Map<String, Pod> probing = new HashMap<>();
    private final Map<String, Boolean> passed = new HashMap<>();
    private long endsAt;
    private boolean ended;

    Session(RouteSpec spec, Map<String, String> selector, EventLoop loop) {
      this.spec = spec;
      this.loop = loop;
      this.pods =
          client
              .pods()
              .inNamespace(spec.key().namespace())
              .withLabels(selector)
              .runnableInformer(0);
      pods.addEventHandler(
          new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod p) {
              loop.execute(() -> seen(p));
            }

            @Override
            public void onUpdate(Pod old, Pod p) {
              loop.execute(() -> seen(p));
            }

            @Override
            public void onDelete(Pod p, boolean unknown) {
              loop.execute(() -> gone(p.getMetadata().getName()));
            }
          });
    }

    void start() {
      renew(spec);
      pods.start(); // lists then watches, on the informer's own threads
      scheduleEnd();
    }

    void renew(RouteSpec latest) {
      spec = latest;
      endsAt = System.nanoTime() + lifetime.toNanos();
    }

    private void scheduleEnd() {
      loop.schedule(
          () -> {
            long left = endsAt - System.nanoTime();
            if (left > 0 && !closed) {
              scheduleEnd();
            } else {
              end();
            }
          },
          Math.max(1, endsAt - System.nanoTime()),
          TimeUnit.NANOSECONDS);
    }

    private void seen(Pod p) {
      String name = p.getMetadata().getName();
      if (ended || passed.containsKey(name)) {
        return;
      }
      if (p.getMetadata().getDeletionTimestamp() != null) {
        gone(name);
        return;
      }
      String ip = p.getStatus() == null ? null : p.getStatus().getPodIP();
      if (ip == null || ip.isEmpty()) {
        return;
      }
      boolean started = probing.containsKey(name);
      if (!started && probing.size() >= MAX_PODS) {
        return;
      }
      probing.put(name, p);
      if (!started) {
        probe(name);
      }
    }

    private void gone(String name) {
      probing.remove(name);
      if (passed.remove(name) != null) {
        sink.forget(spec.key(), name);
      }
    }

    /** Runs every check of the pod once; again after {@link #INTERVAL} unless all passed. */
    private void probe(String name) {
      Pod p = probing.get(name);
      if (ended || p == null) {
        return;
      }
      List<HealthCheck> checks = PodReadinessCheck.of(p, spec);
      InetAddress address = address(p.getStatus().getPodIP());
      if (checks.isEmpty() || address == null) {
        probing.remove(name); // nothing Flycast can run: the kubelet decides
        return;
      }
      long began = System.nanoTime();
      int[] left = {checks.size()};
      boolean[] failed = {false};
      for (HealthCheck c : checks) {
        Probe.run(
            loop,
            c,
            address,
            ok -> {
              failed[0] |= !ok;
              if (--left[0] > 0) {
                return;
              }
              if (!failed[0]) {
                passedProbe(name, p, address);
              } else {
                long wait = INTERVAL.toNanos() - (System.nanoTime() - began);
                loop.schedule(() -> probe(name), Math.max(0, wait), TimeUnit.NANOSECONDS);
              }
            });
      }
    }

    private void passedProbe(String name, Pod p, InetAddress address) {
      if (ended || probing.remove(name) == null) {
        return;
      }
      passed.put(name, Boolean.TRUE);
      log.debug("pod {}/{} passed its readiness probe early", spec.key().namespace(), name);
      sink.passed(
          spec.key(),
          new Backend(name, address, null, true, true, false, PodReadinessCheck.ports(p, spec)),
          p.getSpec() == null ? null : p.getSpec().getNodeName());
    }

    void end() {
      if (ended) {
        return;
      }
      ended = true;
      sessions.remove(spec.key(), this);
      try {
        pods.stop();
      } catch (RuntimeException e) {
        log.debug("stopping the pod watch of {}: {}", spec.key(), e.toString());
      }
      probing.clear();
      passed.keySet().forEach(name -> sink.forget(spec.key(), name));
      passed.clear();
    }
  }

  /** A pod IP literal, never resolved: null when it is not one. */
  private static InetAddress address(String ip) {
    var parsed = ip == null ? null : new inet.ipaddr.IPAddressString(ip).getAddress();
    return parsed == null ? null : parsed.toInetAddress();
  }

  @Override
  public void close() {
    closed = true;
    for (Session s : sessions.values()) {
      s.loop.execute(s::end);
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
