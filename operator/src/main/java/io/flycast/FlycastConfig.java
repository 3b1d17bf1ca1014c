package io.flycast;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything the process is configured with; built by {@link Main} from flags and environment,
 * or directly by tests.
 *
 * @param embedded start an in-process Kubernetes API instead of using a cluster
 * @param kubeconfig kubeconfig file for a real cluster, or null for the default lookup
 * @param applyDir manifests to apply at start (embedded mode), or null
 * @param stateDir where embedded mode writes its kubeconfig
 * @param prefix the Flycast ULA prefix
 * @param allServices FKS mode: manage every Service
 * @param zone this proxy's zone (Fly's region)
 * @param identity this replica's name in leader election
 * @param leaseNamespace namespace of the leader Lease
 * @param repairInterval how often the address repair pass runs
 */
public record FlycastConfig(
    boolean embedded,
    Path kubeconfig,
    Path applyDir,
    Path stateDir,
    InetSocketAddress adminListen,
    InetSocketAddress httpListen,
    InetSocketAddress tlsListen,
    InetSocketAddress dnsListen,
    String prefix,
    Duration autostopInterval,
    boolean allServices,
    String zone,
    String identity,
    String leaseNamespace,
    Duration repairInterval) {

  public static final String DEFAULT_PREFIX = "fdaa:0:48c8::/48";

  /** Defaults for tests: ephemeral admin port, fast repair, everything else as the flags' defaults. */
  public static FlycastConfig forTests(boolean allServices) {
    return new FlycastConfig(
        false, null, null, Path.of(".flycast"),
        new InetSocketAddress("127.0.0.1", 0), null, null, null,
        DEFAULT_PREFIX, Duration.ofSeconds(5), allServices, "local",
        "test-" + java.util.UUID.randomUUID(), "default", Duration.ofMillis(200));
  }

  public FlycastConfig withPrefix(String p) {
    return new FlycastConfig(embedded, kubeconfig, applyDir, stateDir, adminListen, httpListen, tlsListen, dnsListen,
        p, autostopInterval, allServices, zone, identity, leaseNamespace, repairInterval);
  }

  public FlycastConfig withIdentity(String id) {
    return new FlycastConfig(embedded, kubeconfig, applyDir, stateDir, adminListen, httpListen, tlsListen, dnsListen,
        prefix, autostopInterval, allServices, zone, id, leaseNamespace, repairInterval);
  }
}
