package io.flycast.control.translate;

import io.fabric8.kubernetes.api.model.Secret;
import io.flycast.catalog.RouteKey;
import io.flycast.proxy.tls.CertificateSource;
import io.flycast.proxy.tls.ServerCertificate;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server certificates from Kubernetes TLS Secrets ({@code tls.crt}, {@code tls.key}), for the
 * proxy, and what is wrong with a Secret that yields none, for the status conditions and Events of
 * the objects naming it. Certificates are parsed from the watch cache (memory only, never the API)
 * once per Secret resourceVersion, and the result (a certificate, or a problem) is shared by both:
 * an updated Secret is picked up on the next handshake (the proxy builds new TLS contexts for the
 * new {@link ServerCertificate} and drops the old one's) and in the next status. A Secret that is
 * missing or unusable (no certificate, a key that does not parse or is not the certificate's)
 * yields no certificate: that route's handshakes fail with an alert, nobody else's.
 *
 * <p>One instance per process ({@code CatalogSync.certificates()} in the watch stage), so each
 * Secret version is parsed once.
 */
public final class SecretCertificates implements CertificateSource {
  private static final Logger log = LoggerFactory.getLogger(SecretCertificates.class);

  static final String CRT = "tls.crt";
  static final String KEY = "tls.key";

  /** What one Secret version yields: a certificate, or (certificate null) what is wrong with it. */
  private record Parsed(String resourceVersion, ServerCertificate certificate, String problem) {}

  private final BiFunction<String, String, Secret> secrets;
  private final SecretNamespaces watched;
  private final Map<String, Parsed> cache = new ConcurrentHashMap<>();
  private final AtomicLong parses = new AtomicLong();

  /**
   * @param secrets a TLS Secret by namespace and name, from memory; null when there is none
   */
  public SecretCertificates(BiFunction<String, String, Secret> secrets) {
    this(secrets, SecretNamespaces.ALL);
  }

  /**
   * @param secrets a TLS Secret by namespace and name, from memory; null when there is none
   * @param watched the namespaces whose Secrets {@code secrets} holds: a missing Secret elsewhere
   *     is reported as not watched, not as not existing
   */
  public SecretCertificates(BiFunction<String, String, Secret> secrets, SecretNamespaces watched) {
    this.secrets = secrets;
    this.watched = watched;
  }

  @Override
  public ServerCertificate certificate(RouteKey route, String secretName) {
    if (secretName == null) {
      return null;
    }
    Parsed p = parsed(route.namespace(), secretName);
    return p == null ? null : p.certificate();
  }

  /**
   * What keeps a TLS Secret from serving, said so that a person can fix it: that it does not exist,
   * lacks {@code tls.crt} or {@code tls.key}, holds something that does not parse, or a key that is
   * not the certificate's, or that its namespace is not one Flycast reads Secrets in. Null when the
   * Secret is usable. Answers from memory, with the same parse the proxy serves from.
   */
  public String problem(String namespace, String secretName) {
    if (!watched.watches(namespace)) {
      return watched.notWatched(namespace, secretName);
    }
    Parsed p = parsed(namespace, secretName);
    if (p != null) {
      return p.certificate() != null
          ? expiry(namespace + "/" + secretName, p.certificate())
          : p.problem();
    }
    return "TLS Secret '"
        + namespace
        + "/"
        + secretName
        + "' does not exist (or is not of type kubernetes.io/tls); "
        + "create it: kubectl create secret tls "
        + secretName
        + " -n "
        + namespace
        + " --cert=CHAIN.pem --key=KEY.pem";
  }

  /** The parse of the Secret's current version; null when there is no such Secret. */
  private Parsed parsed(String namespace, String name) {
    String key = namespace + "/" + name;
    Secret secret = secrets.apply(namespace, name);
    if (secret == null) {
      cache.remove(key);
      return null;
    }
    String rv = secret.getMetadata().getResourceVersion();
    Parsed c = cache.get(key);
    if (c != null && Objects.equals(c.resourceVersion(), rv)) {
      return c;
    }
    // compute: a version asked for at once by the proxy and the status is still parsed once.
    return cache.compute(
        key,
        (k, old) ->
            old != null && Objects.equals(old.resourceVersion(), rv) ? old : parse(secret, k, rv));
  }

  /** How many Secret versions were parsed (for tests: each once). */
  long parses() {
    return parses.get();
  }

  private Parsed parse(Secret secret, String key, String rv) {
    parses.incrementAndGet();
    String name = "TLS Secret '" + key + "'";
    byte[] crt;
    byte[] pem;
    try {
      crt = field(secret, CRT);
      pem = field(secret, KEY);
    } catch (IllegalArgumentException e) {
      return unusable(
          rv,
          name
              + " has data that is not base64 ("
              + e.getMessage()
              + "); recreate it with "
              + "kubectl create secret tls");
    }
    if (crt == null) {
      return unusable(
          rv,
          name
              + " has no "
              + CRT
              + "; put the PEM certificate chain in it, the server's "
              + "certificate first");
    }
    if (pem == null) {
      return unusable(
          rv, name + " has no " + KEY + "; put the certificate's PEM private key in it");
    }
    X509Certificate[] chain;
    try {
      chain = ServerCertificate.certificatesFromPem(crt);
    } catch (Exception e) {
      String crtText = new String(crt, StandardCharsets.US_ASCII);
      String why =
          !crtText.contains("CERTIFICATE-----") && crtText.contains("PRIVATE KEY-----")
              ? "it holds a private key: are " + CRT + " and " + KEY + " swapped?"
              : !crtText.contains("-----BEGIN ")
                  ? "no -----BEGIN CERTIFICATE----- block"
                  : reason(e);
      return unusable(
          rv,
          name
              + ": "
              + CRT
              + " is not a PEM certificate ("
              + why
              + "); put the PEM "
              + "certificate chain in it, the server's certificate first");
    }
    PrivateKey privateKey;
    try {
      privateKey = ServerCertificate.privateKeyFromPem(pem);
    } catch (Exception e) {
      String keyText = new String(pem, StandardCharsets.US_ASCII);
      if (keyText.contains("ENCRYPTED")) {
        return unusable(
            rv,
            name
                + ": "
                + KEY
                + " is encrypted; put the key in it without a passphrase "
                + "(openssl pkey -in KEY.pem -out PLAIN.pem)");
      }
      String why =
          !keyText.contains("-----BEGIN ") ? "no -----BEGIN PRIVATE KEY----- block" : reason(e);
      return unusable(
          rv,
          name
              + ": "
              + KEY
              + " is not a PEM private key ("
              + why
              + "); put the "
              + "certificate's private key in it (PKCS#8, PKCS#1 RSA or SEC1 EC)");
    }
    ServerCertificate cert;
    try {
      cert = new ServerCertificate(privateKey, chain);
    } catch (RuntimeException e) {
      return unusable(
          rv,
          name
              + ": the private key in "
              + KEY
              + " does not belong to the certificate in "
              + CRT
              + " ("
              + describe(chain[0], privateKey)
              + "); put the certificate's own key in "
              + KEY
              + ", or the key's certificate first in "
              + CRT);
    }
    Instant notAfter = cert.leaf().getNotAfter().toInstant();
    if (notAfter.isBefore(Instant.now())) {
      log.warn("{}: the certificate expired at {}; serving it anyway", name, notAfter);
    }
    return new Parsed(rv, cert, null);
  }

  /**
   * An expired certificate is still served (refusing the handshake would help nobody), but clients
   * refuse it, so it is a problem to report. Checked on every call, not once per parse: time passes
   * without the Secret changing, and each reconcile (at the latest the periodic one) asks.
   */
  private static String expiry(String secret, ServerCertificate cert) {
    Instant notAfter = cert.leaf().getNotAfter().toInstant();
    if (!notAfter.isBefore(Instant.now())) {
      return null;
    }
    return "TLS Secret '"
        + secret
        + "': the certificate in "
        + CRT
        + " ("
        + cert.leaf().getSubjectX500Principal().getName()
        + ") expired at "
        + notAfter
        + "; put a renewed certificate and its key in it (the expired one is still served, and"
        + " clients refuse it)";
  }

  private static Parsed unusable(String rv, String problem) {
    log.warn("{}", problem);
    return new Parsed(rv, null, problem);
  }

  /** The certificate's subject, and both algorithms when they differ. */
  private static String describe(X509Certificate leaf, PrivateKey key) {
    String subject = leaf.getSubjectX500Principal().getName();
    String certAlgorithm = algorithm(leaf.getPublicKey().getAlgorithm());
    String keyAlgorithm = algorithm(key.getAlgorithm());
    return certAlgorithm.equals(keyAlgorithm)
        ? subject
        : subject + ": an " + certAlgorithm + " certificate, an " + keyAlgorithm + " key";
  }

  private static String algorithm(String name) {
    return "ECDSA".equals(name) ? "EC" : name;
  }

  /** The first line of an exception's message, without any "see URL" advice. */
  static String reason(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int cut = m.indexOf(" (see ");
    if (cut > 0) {
      m = m.substring(0, cut);
    }
    int nl = m.indexOf('\n');
    return (nl > 0 ? m.substring(0, nl) : m).strip();
  }

  /** A field's bytes; null when it is absent or empty. */
  private static byte[] field(Secret s, String name) {
    byte[] value = null;
    if (s.getData() != null && s.getData().get(name) != null) {
      value = Base64.getDecoder().decode(s.getData().get(name));
    } else if (s.getStringData() != null && s.getStringData().get(name) != null) {
      value = s.getStringData().get(name).getBytes(StandardCharsets.UTF_8);
    }
    return value == null || value.length == 0 || new String(value, StandardCharsets.UTF_8).isBlank()
        ? null
        : value;
  }
}
