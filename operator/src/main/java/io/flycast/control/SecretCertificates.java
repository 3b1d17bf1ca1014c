package io.flycast.control;

import io.fabric8.kubernetes.api.model.Secret;
import io.flycast.catalog.RouteKey;
import io.flycast.proxy.CertificateSource;
import io.flycast.proxy.ServerCertificate;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server certificates from Kubernetes TLS Secrets ({@code tls.crt}, {@code tls.key}), for the
 * proxy. Certificates are parsed from the watch cache (memory only, never the API) and cached by
 * the Secret's resourceVersion, so an updated Secret is picked up on the next handshake (the proxy
 * builds new TLS contexts for the new {@link ServerCertificate} and drops the old one's). A Secret
 * that is missing or unusable (no certificate, a key that does not parse or is not the
 * certificate's) yields null: that route's handshakes fail with an alert, nobody else's.
 */
public final class SecretCertificates implements CertificateSource {
  private static final Logger log = LoggerFactory.getLogger(SecretCertificates.class);

  /** The certificate of one Secret version; null when that version is unusable. */
  private record Cached(String resourceVersion, ServerCertificate certificate) {}

  private final BiFunction<String, String, Secret> secrets;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  public SecretCertificates(CatalogSync sync) {
    this(sync::tlsSecret);
  }

  /** @param secrets a TLS Secret by namespace and name, from memory; null when there is none */
  SecretCertificates(BiFunction<String, String, Secret> secrets) {
    this.secrets = secrets;
  }

  @Override
  public ServerCertificate certificate(RouteKey route, String secretName) {
    if (secretName == null) {
      return null;
    }
    String key = route.namespace() + "/" + secretName;
    Secret secret = secrets.apply(route.namespace(), secretName);
    if (secret == null) {
      cache.remove(key);
      return null;
    }
    String rv = secret.getMetadata().getResourceVersion();
    Cached c = cache.get(key);
    if (c != null && Objects.equals(c.resourceVersion(), rv)) {
      return c.certificate();
    }
    ServerCertificate cert = parse(secret, key);
    cache.put(key, new Cached(rv, cert));
    return cert;
  }

  private static ServerCertificate parse(Secret secret, String key) {
    try {
      byte[] crt = field(secret, "tls.crt");
      byte[] pem = field(secret, "tls.key");
      if (crt == null || pem == null) {
        log.warn("TLS Secret {} lacks tls.crt or tls.key", key);
        return null;
      }
      ServerCertificate cert = ServerCertificate.fromPem(crt, pem);
      Instant notAfter = cert.leaf().getNotAfter().toInstant();
      if (notAfter.isBefore(Instant.now())) {
        log.warn("TLS Secret {}: the certificate expired at {}; serving it anyway", key, notAfter);
      }
      return cert;
    } catch (Exception e) {
      log.warn("TLS Secret {} is not a usable certificate and key: {}", key, e.getMessage());
      return null;
    }
  }

  private static byte[] field(Secret s, String name) {
    if (s.getData() != null && s.getData().get(name) != null) {
      return Base64.getDecoder().decode(s.getData().get(name));
    }
    if (s.getStringData() != null && s.getStringData().get(name) != null) {
      return s.getStringData().get(name).getBytes(StandardCharsets.UTF_8);
    }
    return null;
  }
}
