package io.flycast.autoscale;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPHeader;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Probe;
import io.flycast.catalog.HealthCheck;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.RouteSpec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What Flycast runs against a starting pod to tell it is ready before the kubelet does: the pod's
 * own {@code readinessProbe} when it is an {@code httpGet} (HTTP) or a {@code tcpSocket}, else the
 * route's {@code checks[]}. A pod whose probe Flycast cannot run ({@code exec}, {@code grpc},
 * HTTPS) gets none, and neither does a pod with no probe on a route with no checks: both wait for
 * the kubelet, as without early probing. Pure: no I/O.
 */
final class PodReadinessCheck {
  private PodReadinessCheck() {}

  /** One early probe never waits longer than this for an answer: the next one follows soon. */
  static final Duration MAX_TIMEOUT = Duration.ofSeconds(1);

  /** The checks to run against {@code pod} (all must pass); empty when Flycast runs none. */
  static List<HealthCheck> of(Pod pod, RouteSpec route) {
    var containers = pod.getSpec() == null ? null : pod.getSpec().getContainers();
    if (containers != null) {
      for (Container c : containers) {
        Probe p = c.getReadinessProbe();
        if (p != null) {
          HealthCheck own = fromProbe(p, c);
          return own == null ? List.of() : List.of(own);
        }
      }
    }
    return route.checks();
  }

  private static HealthCheck fromProbe(Probe p, Container c) {
    Duration timeout =
        min(Duration.ofSeconds(p.getTimeoutSeconds() == null ? 1 : p.getTimeoutSeconds()));
    if (p.getHttpGet() != null) {
      String scheme = p.getHttpGet().getScheme();
      int port = port(p.getHttpGet().getPort(), c);
      if ((scheme != null && "HTTPS".equals(scheme.toUpperCase(Locale.ROOT))) || port <= 0) {
        return null;
      }
      Map<String, String> headers = new LinkedHashMap<>();
      if (p.getHttpGet().getHttpHeaders() != null) {
        for (HTTPHeader h : p.getHttpGet().getHttpHeaders()) {
          if (h.getName() != null && h.getValue() != null) {
            headers.put(h.getName(), h.getValue());
          }
        }
      }
      return new HealthCheck(
          HealthCheck.Kind.HTTP,
          timeout,
          timeout,
          Duration.ZERO,
          "GET",
          p.getHttpGet().getPath(),
          headers,
          port);
    }
    if (p.getTcpSocket() != null) {
      int port = port(p.getTcpSocket().getPort(), c);
      return port <= 0
          ? null
          : new HealthCheck(
              HealthCheck.Kind.TCP, timeout, timeout, Duration.ZERO, null, null, null, port);
    }
    return null;
  }

  /**
   * The pod's backend ports by Service port name, as its EndpointSlice will list them: a named
   * {@code targetPort} resolved in this pod, a numeric one as it is.
   */
  static Map<String, Integer> ports(Pod pod, RouteSpec route) {
    Map<String, Integer> out = new LinkedHashMap<>();
    for (PortSpec p : route.ports()) {
      if (p.name() == null) {
        continue;
      }
      if (p.targetPortName() == null) {
        out.putIfAbsent(p.name(), p.targetPort());
        continue;
      }
      var containers = pod.getSpec() == null ? null : pod.getSpec().getContainers();
      if (containers != null) {
        for (Container c : containers) {
          int n = named(p.targetPortName(), c);
          if (n > 0) {
            out.putIfAbsent(p.name(), n);
            break;
          }
        }
      }
    }
    return out;
  }

  private static int port(IntOrString port, Container c) {
    if (port == null) {
      return -1;
    }
    return port.getIntVal() != null ? port.getIntVal() : named(port.getStrVal(), c);
  }

  private static int named(String name, Container c) {
    if (name == null || c.getPorts() == null) {
      return -1;
    }
    for (ContainerPort cp : c.getPorts()) {
      if (name.equals(cp.getName())
          && cp.getContainerPort() != null
          && (cp.getProtocol() == null || "TCP".equals(cp.getProtocol()))) {
        return cp.getContainerPort();
      }
    }
    return -1;
  }

  private static Duration min(Duration d) {
    return d.compareTo(MAX_TIMEOUT) > 0 ? MAX_TIMEOUT : d;
  }
}
