package io.flycast.proxy.tls;

import io.netty.handler.ssl.SslContext;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A server certificate chain and its private key: what a {@link CertificateSource} hands the proxy
 * for TLS termination. Immutable; a source makes one per certificate version (e.g. per Kubernetes
 * Secret resourceVersion) and returns that same instance until the certificate changes.
 *
 * <p>The proxy builds its TLS contexts (one per TLS provider and ALPN list) from this key material
 * and keeps them on the instance, so they live exactly as long as the source keeps the certificate:
 * a rotated certificate's contexts are dropped with it.
 */
public final class ServerCertificate {
  private final PrivateKey key;
  private final X509Certificate[] chain;

  /**
   * Contexts built by {@link TlsContexts}, by provider and ALPN list; empty when building failed.
   */
  public final ConcurrentMap<TlsContexts.Key, Optional<SslContext>> contexts =
      new ConcurrentHashMap<>();

  /**
   * @param key the private key of the first certificate of {@code chain}
   * @param chain the server's certificate first, then the intermediates
   * @throws IllegalArgumentException when the chain is empty or the key is not the first
   *     certificate's
   */
  public ServerCertificate(PrivateKey key, X509Certificate... chain) {
    Objects.requireNonNull(key, "key");
    if (chain == null || chain.length == 0) {
      throw new IllegalArgumentException("no certificate");
    }
    for (X509Certificate c : chain) {
      Objects.requireNonNull(c, "chain element");
    }
    this.chain = chain.clone();
    PublicKey pub = chain[0].getPublicKey();
    this.key = asJdkKey(key, pub.getAlgorithm());
    if (!keyMatches(this.key, pub)) {
      throw new IllegalArgumentException(
          "the private key is not the certificate's ("
              + chain[0].getSubjectX500Principal().getName()
              + ")");
    }
  }

  /**
   * From PEM, as in a Kubernetes TLS Secret's {@code tls.crt} (the certificate, then any
   * intermediates) and {@code tls.key} (unencrypted PKCS#8, PKCS#1 RSA or SEC1 EC key).
   *
   * @throws GeneralSecurityException when either does not parse, there is no certificate, or the
   *     key is not the certificate's
   */
  public static ServerCertificate fromPem(byte[] chainPem, byte[] keyPem)
      throws GeneralSecurityException {
    X509Certificate[] chain;
    try {
      chain = certificatesFromPem(chainPem);
    } catch (CertificateException e) {
      throw new CertificateException("certificate: " + e.getMessage(), e);
    }
    PrivateKey key;
    try {
      key = privateKeyFromPem(keyPem);
    } catch (KeyException e) {
      throw new KeyException("private key: " + e.getMessage(), e);
    }
    try {
      return new ServerCertificate(key, chain);
    } catch (IllegalArgumentException e) {
      throw new KeyException(e.getMessage(), e);
    }
  }

  /**
   * The certificates of a PEM chain ({@code tls.crt}): the server's first, then the intermediates.
   *
   * @throws CertificateException when it holds no certificate or one does not parse
   */
  public static X509Certificate[] certificatesFromPem(byte[] pem) throws CertificateException {
    try {
      return Pem.certificates(pem);
    } catch (IllegalArgumentException e) {
      throw new CertificateException(e.getMessage(), e);
    }
  }

  /**
   * The private key of a PEM key ({@code tls.key}): unencrypted PKCS#8, PKCS#1 RSA or SEC1 EC.
   *
   * @throws KeyException when there is no key or it does not parse
   */
  public static PrivateKey privateKeyFromPem(byte[] pem) throws KeyException {
    PrivateKey key;
    try {
      key = Pem.privateKey(pem);
    } catch (Exception e) {
      throw new KeyException(e.getMessage(), e);
    }
    if (key == null) {
      throw new KeyException("none found");
    }
    return key;
  }

  /** The private key of {@link #chain()}'s first certificate. */
  public PrivateKey key() {
    return key;
  }

  /** The server's certificate first, then the intermediates. */
  public X509Certificate[] chain() {
    return chain.clone();
  }

  /** The server's own certificate (the chain's first). */
  public X509Certificate leaf() {
    return chain[0];
  }

  @Override
  public String toString() {
    return "ServerCertificate[" + chain[0].getSubjectX500Principal().getName() + "]";
  }

  /**
   * The key as the JDK's own key class for the certificate's algorithm (keys parsed by BouncyCastle
   * are BouncyCastle's, which the JDK's signature code refuses), from its PKCS#8 encoding.
   *
   * @throws IllegalArgumentException when the key is not of that algorithm
   */
  private static PrivateKey asJdkKey(PrivateKey key, String algorithm) {
    byte[] pkcs8 = "PKCS#8".equals(key.getFormat()) ? key.getEncoded() : null;
    if (pkcs8 == null) {
      return key; // not exportable (e.g. a hardware key): use it as it is
    }
    try {
      return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    } catch (InvalidKeySpecException e) {
      throw new IllegalArgumentException(
          "the private key is " + key.getAlgorithm() + ", the certificate's " + algorithm, e);
    } catch (GeneralSecurityException e) {
      return key; // no key factory for the algorithm: let the TLS stack decide
    }
  }

  /**
   * Whether {@code key} signs what {@code pub} verifies. A mismatched pair would parse and then
   * fail every handshake with an obscure error; catching it here lets the source refuse it up
   * front. Key types this cannot test (no signature algorithm known for them) pass.
   */
  private static boolean keyMatches(PrivateKey key, PublicKey pub) {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC", "ECDSA" -> "SHA256withECDSA";
          case "Ed25519", "Ed448", "EdDSA" -> "EdDSA";
          default -> null;
        };
    if (algorithm == null) {
      return true;
    }
    byte[] probe = "flycast certificate and key check".getBytes(StandardCharsets.US_ASCII);
    byte[] signature;
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      signature = signer.sign();
    } catch (GeneralSecurityException e) {
      return true; // no provider here signs with this key: let the TLS stack decide
    }
    try {
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(pub);
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false; // e.g. an EC certificate with an RSA key
    }
  }

  /**
   * Netty's PEM parsing (the same as {@code SslContextBuilder.forServer(InputStream, InputStream)}:
   * BouncyCastle for the key when it is on the class path, which reads PKCS#1 and SEC1 keys too),
   * reached through {@link SslContext}'s protected helpers. Never instantiated.
   */
  private abstract static class Pem extends SslContext {
    private Pem() {}

    static X509Certificate[] certificates(byte[] pem) throws CertificateException {
      X509Certificate[] certs = toX509Certificates(new ByteArrayInputStream(pem));
      if (certs == null || certs.length == 0) {
        throw new CertificateException("none found");
      }
      return certs;
    }

    static PrivateKey privateKey(byte[] pem) throws Exception {
      return toPrivateKey(new ByteArrayInputStream(pem), null);
    }
  }
}
