package io.flycast.control;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.flycast.control.translate.SecretCertificates;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * Kubernetes TLS Secrets for tests, with real (self-signed) certificates and keys, and an in-memory
 * Secret store to read them from, as the watch cache would.
 */
public final class TlsSecrets {
  /** A self-signed certificate and its key, as PEM. */
  public record Pem(String certificate, String key) {
    public static Pem selfSigned(String hostname) {
      return selfSigned(hostname, "RSA", 2048);
    }

    /** Valid from {@code notBefore} to {@code notAfter}: an expired one is in the past. */
    public static Pem selfSigned(
        String hostname, java.time.Instant notBefore, java.time.Instant notAfter) {
      return make(
          () ->
              new SelfSignedCertificate(
                  hostname,
                  java.util.Date.from(notBefore),
                  java.util.Date.from(notAfter),
                  "RSA",
                  2048));
    }

    public static Pem selfSigned(String hostname, String algorithm, int bits) {
      return make(() -> new SelfSignedCertificate(hostname, algorithm, bits));
    }

    private interface Maker {
      SelfSignedCertificate make() throws Exception;
    }

    private static Pem make(Maker maker) {
      try {
        SelfSignedCertificate ssc = maker.make();
        try {
          return new Pem(read(ssc.certificate()), read(ssc.privateKey()));
        } finally {
          ssc.delete();
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    private static String read(java.io.File f) throws java.io.IOException {
      return Files.readString(f.toPath(), StandardCharsets.US_ASCII);
    }
  }

  private final Map<String, Secret> secrets = new HashMap<>();
  public final SecretCertificates certificates =
      new SecretCertificates((ns, name) -> secrets.get(ns + "/" + name));

  /** Puts (or replaces) a Secret; a null field is left out. */
  public TlsSecrets put(
      String namespace, String name, String resourceVersion, String crt, String key) {
    secrets.put(namespace + "/" + name, secret(namespace, name, resourceVersion, crt, key));
    return this;
  }

  public void remove(String namespace, String name) {
    secrets.remove(namespace + "/" + name);
  }

  public void clear() {
    secrets.clear();
  }

  /** A {@code kubernetes.io/tls} Secret; a null field is left out. */
  public static Secret secret(
      String namespace, String name, String resourceVersion, String crt, String key) {
    Map<String, String> data = new HashMap<>();
    if (crt != null) {
      data.put(
          "tls.crt", Base64.getEncoder().encodeToString(crt.getBytes(StandardCharsets.US_ASCII)));
    }
    if (key != null) {
      data.put(
          "tls.key", Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.US_ASCII)));
    }
    return new SecretBuilder()
        .withNewMetadata()
        .withNamespace(namespace)
        .withName(name)
        .withResourceVersion(resourceVersion)
        .endMetadata()
        .withType("kubernetes.io/tls")
        .withData(data)
        .build();
  }
}
