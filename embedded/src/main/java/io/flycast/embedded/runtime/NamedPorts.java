package io.flycast.embedded.runtime;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A container's named ports, looked up by name and protocol as Kubernetes' FindPort does when a
 * Service's {@code targetPort} is a name. The first port of a name and protocol wins.
 */
final class NamedPorts {
  private final Map<String, Integer> byNameAndProtocol;

  private NamedPorts(Map<String, Integer> byNameAndProtocol) {
    this.byNameAndProtocol = byNameAndProtocol;
  }

  static NamedPorts of(Container container) {
    Map<String, Integer> ports = new LinkedHashMap<>();
    if (container.getPorts() != null) {
      for (ContainerPort cp : container.getPorts()) {
        if (cp.getName() != null && cp.getContainerPort() != null) {
          ports.putIfAbsent(key(cp.getName(), cp.getProtocol()), cp.getContainerPort());
        }
      }
    }
    return new NamedPorts(ports);
  }

  /** The port of that name and protocol, or null when the container has none. */
  Integer find(String name, String protocol) {
    return byNameAndProtocol.get(key(name, protocol));
  }

  /** A port's protocol as the API defaults it: TCP when unset. */
  static String protocol(String protocol) {
    return protocol == null || protocol.isBlank() ? "TCP" : protocol;
  }

  private static String key(String name, String protocol) {
    return name + "/" + protocol(protocol);
  }
}
