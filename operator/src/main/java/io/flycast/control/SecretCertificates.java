package io.flycast.control;

import io.fabric8.kubernetes.api.model.Secret;
import io.flycast.catalog.RouteKey;
import io.flycast.proxy.CertificateSource;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayInputStream;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server certificates from Kubernetes TLS Secrets ({@code tls.crt}, {@code tls.key}), for the
 * proxy. Contexts are built from the watch cache (memory only, never the API) and cached by the
 * Secret's resourceVersion, so an updated Secret is picked up on the next handshake. A Secret
 * that is missing or unusable yields null: that route's handshakes fail, nobody else's.
 */
public final class SecretCertificates implements CertificateSource {
  private static final Logger log = LoggerFactory.getLogger(SecretCertificates.class);

  private record Cached(String resourceVersion, SslContext context) {}

  private final CatalogSync sync;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  public SecretCertificates(CatalogSync sync) {
    this.sync = sync;
  }

  @Override
  public SslContext serverContext(RouteKey route, String secretName) {
    if (secretName == null) {
      return null;
    }
    Secret secret = sync.tlsSecret(route.namespace(), secretName);
    if (secret == null) {
      return null;
    }
    String key = route.namespace() + "/" + secretName;
    String rv = secret.getMetadata().getResourceVersion();
    Cached c = cache.get(key);
    if (c != null && java.util.Objects.equals(c.resourceVersion(), rv)) {
      return c.context();
    }
    SslContext ctx = build(secret, key);
    cache.put(key, new Cached(rv, ctx));
    return ctx;
  }

  private static SslContext build(Secret secret, String key) {
    try {
      byte[] crt = field(secret, "tls.crt");
      byte[] pem = field(secret, "tls.key");
      if (crt == null || pem == null) {
        log.warn("TLS Secret {} lacks tls.crt or tls.key", key);
        return null;
      }
      // No ALPN here: the proxy derives per-port contexts offering the port's protocols (h2,
      // http/1.1), which needs the JDK provider, whatever else is on the classpath.
      return SslContextBuilder.forServer(new ByteArrayInputStream(crt), new ByteArrayInputStream(pem))
          .sslProvider(SslProvider.JDK)
          .build();
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
      return s.getStringData().get(name).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
    return null;
  }
}
