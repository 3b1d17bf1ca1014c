package io.flycast.network;

import java.net.InetAddress;
import java.util.Set;

/**
 * Which private networks a client address belongs to. Implementations answer from memory only (they
 * are called on proxy and DNS event loops) and must be thread-safe.
 */
@FunctionalInterface
public interface ClientNetworks {
  /** No client is in any network: private routes are reachable only from trusted sources. */
  ClientNetworks NONE = client -> Set.of();

  /**
   * @param client a connection's or query's source address
   * @return the networks {@code client} is in; empty when the address is unknown
   */
  Set<String> networksOf(InetAddress client);

  /**
   * Whether {@code client} is the cluster's DNS resolver (CoreDNS), which forwards the {@code
   * flycast} and {@code internal} zones on behalf of every pod: the querying pod is then unknown,
   * so DNS cannot hide names by network and answers it in full.
   */
  default boolean isClusterResolver(InetAddress client) {
    return false;
  }
}
