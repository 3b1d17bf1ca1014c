package io.flycast.control.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.flycast.catalog.RouteKey;
import io.flycast.control.TlsSecrets;
import io.flycast.proxy.tls.ServerCertificate;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.junit.jupiter.api.Test;

/** Certificates from TLS Secrets: parsed once per Secret version, unusable ones refused. */
class SecretCertificatesTest {
  private static final RouteKey ROUTE = new RouteKey("shop", "web");

  private final Map<String, Secret> secrets = new HashMap<>();
  private final SecretCertificates source =
      new SecretCertificates((ns, name) -> secrets.get(ns + "/" + name));

  private void put(String name, String resourceVersion, String crt, String key) {
    Map<String, String> data = new HashMap<>();
    if (crt != null) {
      data.put(
          "tls.crt", Base64.getEncoder().encodeToString(crt.getBytes(StandardCharsets.US_ASCII)));
    }
    if (key != null) {
      data.put(
          "tls.key", Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.US_ASCII)));
    }
    secrets.put(
        "shop/" + name,
        new SecretBuilder()
            .withNewMetadata()
            .withNamespace("shop")
            .withName(name)
            .withResourceVersion(resourceVersion)
            .endMetadata()
            .withType("kubernetes.io/tls")
            .withData(data)
            .build());
  }

  private static String read(java.io.File f) throws Exception {
    return Files.readString(f.toPath(), StandardCharsets.US_ASCII);
  }

  /** An RSA key as PKCS#1 ({@code RSA PRIVATE KEY}): cert-manager's default encoding. */
  private static String pkcs1(PrivateKey key) throws Exception {
    byte[] der =
        PrivateKeyInfo.getInstance(key.getEncoded())
            .parsePrivateKey()
            .toASN1Primitive()
            .getEncoded();
    return pem("RSA PRIVATE KEY", der);
  }

  /**
   * An EC key as SEC1 ({@code EC PRIVATE KEY}) with its curve and public key, as {@code openssl
   * ecparam -genkey} and cert-manager write it.
   */
  private static String sec1(PrivateKey key, X509Certificate cert) throws Exception {
    PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
    SubjectPublicKeyInfo pub = SubjectPublicKeyInfo.getInstance(cert.getPublicKey().getEncoded());
    org.bouncycastle.asn1.sec.ECPrivateKey inner =
        org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey());
    byte[] der =
        new org.bouncycastle.asn1.sec.ECPrivateKey(
                256,
                inner.getKey(),
                pub.getPublicKeyData(),
                info.getPrivateKeyAlgorithm().getParameters())
            .getEncoded();
    return pem("EC PRIVATE KEY", der);
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  @Test
  void aSecretVersionIsParsedOnceAndAnUpdateYieldsTheNewCertificate() throws Exception {
    SelfSignedCertificate a = new SelfSignedCertificate("shop.example.com");
    SelfSignedCertificate b = new SelfSignedCertificate("shop.example.com");
    put("web-tls", "1", read(a.certificate()), read(a.privateKey()));
    ServerCertificate first = source.certificate(ROUTE, "web-tls");
    assertThat(first).isNotNull();
    assertThat(first.leaf()).isEqualTo(a.cert());
    assertThat(source.certificate(ROUTE, "web-tls")).isSameAs(first);

    put("web-tls", "2", read(b.certificate()), read(b.privateKey()));
    ServerCertificate second = source.certificate(ROUTE, "web-tls");
    assertThat(second).isNotSameAs(first);
    assertThat(second.leaf()).isEqualTo(b.cert());
    assertThat(source.certificate(ROUTE, "web-tls")).isSameAs(second);

    secrets.clear();
    assertThat(source.certificate(ROUTE, "web-tls")).isNull();
    assertThat(source.certificate(ROUTE, null)).isNull();
  }

  @Test
  void pkcs1RsaAndSec1EcKeysAreRead() throws Exception {
    SelfSignedCertificate rsa = new SelfSignedCertificate("rsa.example.com", "RSA", 2048);
    SelfSignedCertificate ec = new SelfSignedCertificate("ec.example.com", "EC", 256);
    put("rsa", "1", read(rsa.certificate()), pkcs1(rsa.key()));
    put("ec", "1", read(ec.certificate()), sec1(ec.key(), ec.cert()));
    assertThat(source.certificate(ROUTE, "rsa").leaf()).isEqualTo(rsa.cert());
    assertThat(source.certificate(ROUTE, "ec").leaf()).isEqualTo(ec.cert());
  }

  @Test
  void aChainKeepsItsIntermediates() throws Exception {
    SelfSignedCertificate leaf = new SelfSignedCertificate("shop.example.com");
    SelfSignedCertificate other = new SelfSignedCertificate("ca.example.com");
    put(
        "chain",
        "1",
        read(leaf.certificate()) + read(other.certificate()),
        read(leaf.privateKey()));
    assertThat(source.certificate(ROUTE, "chain").chain())
        .containsExactly(leaf.cert(), other.cert());
  }

  @Test
  void unusableSecretsYieldNoCertificate() throws Exception {
    SelfSignedCertificate a = new SelfSignedCertificate("shop.example.com");
    SelfSignedCertificate b = new SelfSignedCertificate("shop.example.com");
    SelfSignedCertificate ec = new SelfSignedCertificate("shop.example.com", "EC", 256);
    put("garbage", "1", "x", "y");
    put("no-key", "1", read(a.certificate()), null);
    put("other-key", "1", read(a.certificate()), read(b.privateKey()));
    put("other-type", "1", read(a.certificate()), read(ec.privateKey()));
    put("key-only", "1", read(a.privateKey()), read(a.privateKey()));
    for (String name :
        new String[] {"garbage", "no-key", "other-key", "other-type", "key-only", "missing"}) {
      assertThat(source.certificate(ROUTE, name)).as(name).isNull();
    }
    // Fixed in a new version: served.
    put("other-key", "2", read(a.certificate()), read(a.privateKey()));
    assertThat(source.certificate(ROUTE, "other-key")).isNotNull();
  }

  @Test
  void anExpiredCertificateIsStillServedButReported() {
    var now = java.time.Instant.now();
    var old =
        TlsSecrets.Pem.selfSigned(
            "old.example.com",
            now.minus(java.time.Duration.ofDays(400)),
            now.minus(java.time.Duration.ofDays(1)));
    TlsSecrets s = new TlsSecrets().put("shop", "old", "1", old.certificate(), old.key());
    assertThat(s.certificates.certificate(ROUTE, "old")).as("still served").isNotNull();
    assertThat(s.certificates.problem("shop", "old"))
        .startsWith(
            "TLS Secret 'shop/old': the certificate in tls.crt (CN=old.example.com) expired at ")
        .endsWith(
            "; put a renewed certificate and its key in it (the expired one is still served, and"
                + " clients refuse it)");
  }

  @Test
  void problemsSayWhatIsWrongAndWhatToFix() {
    var a = TlsSecrets.Pem.selfSigned("shop.example.com");
    var b = TlsSecrets.Pem.selfSigned("shop.example.com");
    var ec = TlsSecrets.Pem.selfSigned("shop.example.com", "EC", 256);
    TlsSecrets s =
        new TlsSecrets()
            .put("shop", "good", "1", a.certificate(), a.key())
            .put("shop", "no-key", "1", a.certificate(), null)
            .put("shop", "empty-key", "1", a.certificate(), "")
            .put("shop", "no-crt", "1", null, a.key())
            .put("shop", "garbage", "1", "x", "y")
            .put("shop", "garbage-key", "1", a.certificate(), "y")
            .put(
                "shop",
                "broken-crt",
                "1",
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                a.key())
            .put(
                "shop",
                "encrypted",
                "1",
                a.certificate(),
                """
                -----BEGIN ENCRYPTED PRIVATE KEY-----
                AAAA
                -----END ENCRYPTED PRIVATE KEY-----
                """)
            .put("shop", "swapped", "1", a.key(), a.certificate())
            .put("shop", "other-key", "1", a.certificate(), b.key())
            .put("shop", "other-type", "1", a.certificate(), ec.key());
    SecretCertificates c = s.certificates;

    assertThat(c.problem("shop", "good")).isNull();
    assertThat(c.problem("shop", "missing"))
        .isEqualTo(
            "TLS Secret 'shop/missing' does not exist (or is not of type kubernetes.io/tls); create"
                + " it: kubectl create secret tls missing -n shop --cert=CHAIN.pem --key=KEY.pem");
    assertThat(c.problem("shop", "no-key"))
        .isEqualTo(
            "TLS Secret 'shop/no-key' has no tls.key; put the certificate's PEM private key in it");
    assertThat(c.problem("shop", "empty-key"))
        .isEqualTo(
            "TLS Secret 'shop/empty-key' has no tls.key; put the certificate's PEM private key in"
                + " it");
    assertThat(c.problem("shop", "no-crt"))
        .isEqualTo(
            "TLS Secret 'shop/no-crt' has no tls.crt; put the PEM certificate chain in it, the"
                + " server's certificate first");
    assertThat(c.problem("shop", "garbage"))
        .isEqualTo(
            "TLS Secret 'shop/garbage': tls.crt is not a PEM certificate (no -----BEGIN"
                + " CERTIFICATE----- block); put the PEM certificate chain in it, the server's"
                + " certificate first");
    assertThat(c.problem("shop", "garbage-key"))
        .isEqualTo(
            "TLS Secret 'shop/garbage-key': tls.key is not a PEM private key (no -----BEGIN PRIVATE"
                + " KEY----- block); put the certificate's private key in it (PKCS#8, PKCS#1 RSA or"
                + " SEC1 EC)");
    assertThat(c.problem("shop", "broken-crt"))
        .startsWith("TLS Secret 'shop/broken-crt': tls.crt is not a PEM certificate (")
        .endsWith("); put the PEM certificate chain in it, the server's certificate first");
    assertThat(c.problem("shop", "encrypted"))
        .isEqualTo(
            "TLS Secret 'shop/encrypted': tls.key is encrypted; put the key in it without a"
                + " passphrase (openssl pkey -in KEY.pem -out PLAIN.pem)");
    assertThat(c.problem("shop", "swapped"))
        .isEqualTo(
            "TLS Secret 'shop/swapped': tls.crt is not a PEM certificate (it holds a private key:"
                + " are tls.crt and tls.key swapped?); put the PEM certificate chain in it, the"
                + " server's certificate first");
    assertThat(c.problem("shop", "other-key"))
        .isEqualTo(
            "TLS Secret 'shop/other-key': the private key in tls.key does not belong to the"
                + " certificate in tls.crt (CN=shop.example.com); put the certificate's own key in"
                + " tls.key, or the key's certificate first in tls.crt");
    assertThat(c.problem("shop", "other-type"))
        .isEqualTo(
            "TLS Secret 'shop/other-type': the private key in tls.key does not belong to the"
                + " certificate in tls.crt (CN=shop.example.com: an RSA certificate, an EC key);"
                + " put the certificate's own key in tls.key, or the key's certificate first in"
                + " tls.crt");

    // What has a problem serves no certificate; what has none serves one.
    for (String name :
        new String[] {
          "missing",
          "no-key",
          "empty-key",
          "no-crt",
          "garbage",
          "garbage-key",
          "broken-crt",
          "encrypted",
          "swapped",
          "other-key",
          "other-type"
        }) {
      assertThat(c.certificate(ROUTE, name)).as(name).isNull();
    }
    assertThat(c.certificate(ROUTE, "good")).isNotNull();
  }

  @Test
  void theProxyAndTheStatusShareOneParsePerSecretVersion() {
    var a = TlsSecrets.Pem.selfSigned("shop.example.com");
    var b = TlsSecrets.Pem.selfSigned("shop.example.com");
    TlsSecrets s = new TlsSecrets().put("shop", "web-tls", "1", a.certificate(), b.key());
    SecretCertificates c = s.certificates;

    assertThat(c.problem("shop", "web-tls")).contains("does not belong to the certificate");
    assertThat(c.certificate(ROUTE, "web-tls")).isNull();
    assertThat(c.problem("shop", "web-tls")).contains("does not belong to the certificate");
    assertThat(c.parses()).isEqualTo(1);

    // Fixed: the status clears and the proxy serves, from one parse of the new version.
    s.put("shop", "web-tls", "2", a.certificate(), a.key());
    assertThat(c.problem("shop", "web-tls")).isNull();
    ServerCertificate served = c.certificate(ROUTE, "web-tls");
    assertThat(served).isNotNull();
    assertThat(c.certificate(ROUTE, "web-tls")).isSameAs(served);
    assertThat(c.parses()).isEqualTo(2);

    // Deleted: a problem again, and nothing served.
    s.remove("shop", "web-tls");
    assertThat(c.problem("shop", "web-tls")).contains("does not exist");
    assertThat(c.certificate(ROUTE, "web-tls")).isNull();
    assertThat(c.parses()).isEqualTo(2);
  }

  @Test
  void aSecretOfANamespaceThatIsNotWatchedIsReportedSoWithTheValueToSet() throws Exception {
    SelfSignedCertificate a = new SelfSignedCertificate("shop.example.com");
    put("web-tls", "1", read(a.certificate()), read(a.privateKey()));
    SecretCertificates watchingOthers =
        new SecretCertificates(
            (ns, name) -> secrets.get(ns + "/" + name),
            new SecretNamespaces(java.util.Set.of("edge", "certs")));
    assertThat(watchingOthers.problem("shop", "web-tls"))
        .isEqualTo(
            "TLS Secret 'shop/web-tls' cannot be read: Flycast reads TLS Secrets only in the"
                + " namespaces certs, edge; add shop to the chart value tls.secretNamespaces"
                + " (operator flag --secret-namespaces)");
    // Listed, it is read as before.
    SecretCertificates watchingShop =
        new SecretCertificates(
            (ns, name) -> secrets.get(ns + "/" + name),
            new SecretNamespaces(java.util.Set.of("shop")));
    assertThat(watchingShop.problem("shop", "web-tls")).isNull();
    assertThat(watchingShop.problem("shop", "other")).contains("'shop/other' does not exist");
  }
}
