package io.flycast.control.leader;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How replicas find each other and prove who they are, without configuration: each keeps a Lease
 * {@code flycast-peer-<identity>} in the operator's namespace, renewed every {@link #RENEW}, that
 * names where its admin port answers ({@value #ENDPOINT}); all of them read a token from the Secret
 * {@value #SECRET} there, which the first replica creates. A replica that stops renewing (it died)
 * drops out after {@link #LEASE_DURATION}; one that shuts down deletes its Lease.
 *
 * <p>API cost: one Lease write per replica per {@link #RENEW}, whatever the request rate, and one
 * watch of the namespace's peer Leases per replica.
 */
public final class PeerDirectory implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PeerDirectory.class);
  static final String LABEL = "fly.io/flycast-peer";
  static final String ENDPOINT = "fly.io/peer-endpoint";
  static final String SECRET = "flycast-peer-token";
  static final String SECRET_KEY = "token";
  static final Duration LEASE_DURATION = Duration.ofSeconds(30);
  static final Duration RENEW = Duration.ofSeconds(10);

  private final KubernetesClient client;
  private final String namespace;
  private final String identity;
  private final String leaseName;
  private final URI endpoint;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "flycast-peer-lease");
            t.setDaemon(true);
            return t;
          });
  private SharedIndexInformer<Lease> leases;
  private volatile String token;

  /**
   * @param endpoint the base URI of this replica's admin port as other replicas reach it; null when
   *     it has none (then it is listed without one, and the leader, unable to hear from it, stops
   *     nothing: see {@code io.flycast.peers})
   */
  public PeerDirectory(KubernetesClient client, String namespace, String identity, URI endpoint) {
    this.client = client;
    this.namespace = namespace;
    this.identity = identity;
    this.leaseName = leaseName(identity);
    this.endpoint = endpoint;
  }

  /**
   * Where other replicas reach an admin port bound to {@code listen}: that address, unless it is a
   * wildcard, then {@code POD_IP} (the chart sets it from the downward API), else the host's first
   * non-loopback address; null without an admin port.
   */
  public static URI endpointFor(InetSocketAddress listen) {
    if (listen == null) {
      return null;
    }
    InetAddress address = listen.getAddress();
    String host;
    if (address == null || address.isAnyLocalAddress()) {
      String podIp = System.getenv("POD_IP");
      try {
        host =
            podIp != null && !podIp.isBlank()
                ? podIp.strip()
                : InetAddress.getLocalHost().getHostAddress();
      } catch (java.net.UnknownHostException e) {
        host = "127.0.0.1";
      }
    } else {
      host = address.getHostAddress();
    }
    if (host.contains(":")) {
      host = "[" + host.replaceAll("%.*", "") + "]";
    }
    return URI.create("http://" + host + ":" + listen.getPort() + "/");
  }

  public PeerDirectory start() {
    token = readOrCreateToken();
    renew();
    timer.scheduleWithFixedDelay(
        this::renew, RENEW.toMillis(), RENEW.toMillis(), TimeUnit.MILLISECONDS);
    leases = client.leases().inNamespace(namespace).withLabel(LABEL, "true").inform();
    return this;
  }

  /** The token replicas present to each other's {@code /peer/} paths. */
  public String token() {
    return token;
  }

  /**
   * Every other live replica, by identity, with the base URI of its admin port; one without an
   * admin port maps to an unreachable URI, so that it counts as not heard from.
   */
  public Map<String, URI> peers() {
    Map<String, URI> peers = new HashMap<>();
    if (leases == null) {
      return peers;
    }
    ZonedDateTime now = ZonedDateTime.now(ZoneId.systemDefault());
    for (Lease lease : leases.getStore().list()) {
      var spec = lease.getSpec();
      if (spec == null
          || spec.getHolderIdentity() == null
          || identity.equals(spec.getHolderIdentity())) {
        continue;
      }
      ZonedDateTime renewed = spec.getRenewTime();
      int seconds =
          spec.getLeaseDurationSeconds() == null
              ? (int) LEASE_DURATION.toSeconds()
              : spec.getLeaseDurationSeconds();
      if (renewed == null || renewed.plusSeconds(seconds).isBefore(now)) {
        continue; // its holder stopped renewing: gone
      }
      String at =
          lease.getMetadata().getAnnotations() == null
              ? null
              : lease.getMetadata().getAnnotations().get(ENDPOINT);
      peers.put(
          spec.getHolderIdentity(),
          at == null || at.isBlank() ? URI.create("http://unreachable.invalid/") : URI.create(at));
    }
    return peers;
  }

  private void renew() {
    try {
      Lease lease =
          new LeaseBuilder()
              .withNewMetadata()
              .withName(leaseName)
              .withNamespace(namespace)
              .addToLabels(LABEL, "true")
              .addToAnnotations(ENDPOINT, endpoint == null ? "" : endpoint.toString())
              .endMetadata()
              .withNewSpec()
              .withHolderIdentity(identity)
              .withLeaseDurationSeconds((int) LEASE_DURATION.toSeconds())
              .withRenewTime(ZonedDateTime.now(ZoneId.systemDefault()))
              .endSpec()
              .build();
      client.leases().inNamespace(namespace).resource(lease).createOr(l -> l.update());
    } catch (KubernetesClientException e) {
      log.warn("cannot renew peer Lease {}/{}: {}", namespace, leaseName, e.toString());
    }
  }

  private String readOrCreateToken() {
    for (int attempt = 0; attempt < 5; attempt++) {
      Secret s = client.secrets().inNamespace(namespace).withName(SECRET).get();
      if (s != null && s.getData() != null && s.getData().get(SECRET_KEY) != null) {
        return new String(
                Base64.getDecoder().decode(s.getData().get(SECRET_KEY)), StandardCharsets.UTF_8)
            .strip();
      }
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      String fresh = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      try {
        client
            .secrets()
            .inNamespace(namespace)
            .resource(
                new SecretBuilder()
                    .withNewMetadata()
                    .withName(SECRET)
                    .withNamespace(namespace)
                    .addToLabels(LABEL, "true")
                    .endMetadata()
                    .withType("Opaque")
                    .addToData(
                        SECRET_KEY,
                        Base64.getEncoder().encodeToString(fresh.getBytes(StandardCharsets.UTF_8)))
                    .build())
            .create();
        log.info("created the peer token Secret {}/{}", namespace, SECRET);
        return fresh;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        // Another replica created it first: read theirs.
      }
    }
    throw new IllegalStateException(
        "cannot read or create the peer token Secret " + namespace + "/" + SECRET);
  }

  /** {@code flycast-peer-<identity>} as a Kubernetes name (lowercase, [a-z0-9.-], at most 253). */
  static String leaseName(String identity) {
    String name =
        "flycast-peer-" + identity.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "-");
    name = name.length() > 253 ? name.substring(0, 253) : name;
    return name.replaceAll("[.-]+$", "");
  }

  @Override
  public void close() {
    timer.shutdownNow();
    if (leases != null) {
      leases.close();
    }
    try {
      client.leases().inNamespace(namespace).withName(leaseName).delete();
    } catch (KubernetesClientException e) {
      log.debug("cannot delete peer Lease {}: {}", leaseName, e.getMessage());
    }
  }
}
