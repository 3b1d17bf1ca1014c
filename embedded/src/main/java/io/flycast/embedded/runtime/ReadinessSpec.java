package io.flycast.embedded.runtime;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HTTPHeader;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A container's {@code readinessProbe} as the kubelet reads it: what to check (an {@code httpGet}
 * or a {@code tcpSocket} on the pod's address) and on what schedule, with the API's defaults
 * ({@code periodSeconds} 10, {@code timeoutSeconds} 1, {@code successThreshold} 1, {@code
 * failureThreshold} 3, {@code initialDelaySeconds} 0).
 *
 * @param kind what the probe does; {@link Kind#UNSUPPORTED} for what this runtime cannot run
 *     ({@code exec}, {@code grpc}, an HTTPS {@code httpGet})
 * @param port the port probed, a named one resolved in the container; -1 when the name is not one
 *     of its ports (the probe then fails, as the kubelet's does)
 */
record ReadinessSpec(
    Kind kind,
    String path,
    int port,
    Map<String, String> headers,
    Duration initialDelay,
    Duration period,
    Duration timeout,
    int successThreshold,
    int failureThreshold) {

  enum Kind {
    HTTP,
    TCP,
    UNSUPPORTED
  }

  ReadinessSpec {
    headers = Map.copyOf(headers);
  }

  /** The container's readiness probe, or null when it has none (Ready once started). */
  static ReadinessSpec of(Container c, NamedPorts ports) {
    Probe p = c.getReadinessProbe();
    if (p == null) {
      return null;
    }
    Kind kind = Kind.UNSUPPORTED;
    String path = "/";
    int port = -1;
    Map<String, String> headers = new LinkedHashMap<>();
    if (p.getHttpGet() != null
        && !"HTTPS"
            .equals(
                p.getHttpGet().getScheme() == null
                    ? null
                    : p.getHttpGet().getScheme().toUpperCase(Locale.ROOT))) {
      kind = Kind.HTTP;
      path = p.getHttpGet().getPath() == null ? "/" : p.getHttpGet().getPath();
      port = port(p.getHttpGet().getPort(), ports);
      if (p.getHttpGet().getHttpHeaders() != null) {
        for (HTTPHeader h : p.getHttpGet().getHttpHeaders()) {
          if (h.getName() != null && h.getValue() != null) {
            headers.put(h.getName(), h.getValue());
          }
        }
      }
    } else if (p.getTcpSocket() != null) {
      kind = Kind.TCP;
      port = port(p.getTcpSocket().getPort(), ports);
    }
    return new ReadinessSpec(
        kind,
        path,
        port,
        headers,
        seconds(p.getInitialDelaySeconds(), 0, 0),
        seconds(p.getPeriodSeconds(), 10, 1),
        seconds(p.getTimeoutSeconds(), 1, 1),
        Math.max(1, p.getSuccessThreshold() == null ? 1 : p.getSuccessThreshold()),
        Math.max(1, p.getFailureThreshold() == null ? 3 : p.getFailureThreshold()));
  }

  private static int port(IntOrString port, NamedPorts ports) {
    if (port == null) {
      return -1;
    }
    if (port.getIntVal() != null) {
      return port.getIntVal();
    }
    Integer named = port.getStrVal() == null ? null : ports.find(port.getStrVal(), "TCP");
    return named == null ? -1 : named;
  }

  /** A seconds field with the API's default and minimum. */
  private static Duration seconds(Integer value, int dflt, int min) {
    return Duration.ofSeconds(Math.max(min, value == null ? dflt : value));
  }
}
