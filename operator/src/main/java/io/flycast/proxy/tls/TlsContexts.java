package io.flycast.proxy.tls;

import io.flycast.catalog.Handler;
import io.flycast.catalog.PortSpec;
import io.flycast.proxy.ProxyConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server TLS contexts, built from a {@link CertificateSource}'s key material for a port's ALPN
 * protocols with the process's TLS provider. The certificate source knows certificates, the port
 * knows protocols, the proxy knows the provider.
 *
 * <p>Provider: OpenSSL (BoringSSL from netty-tcnative-boringssl-static) when it loads and supports
 * ALPN, the JDK's TLS otherwise, unless {@link ProxyConfig#tlsProvider()} says otherwise. A
 * certificate OpenSSL cannot use is served with the JDK's TLS instead.
 *
 * <p>ALPN offered: the port's {@code tls.alpn} when set; otherwise, on an HTTP port, {@code h2,
 * http/1.1} (Fly's default); otherwise none. pg_tls offers none.
 *
 * <p>Versions and cipher suites: Mozilla's "intermediate" profile on both providers ({@link
 * #PROFILE_PROTOCOLS}, {@link #PROFILE_CIPHERS}); a port's {@code tls.versions} can narrow the
 * versions ({@link #protocols(PortSpec)}), never widen them.
 *
 * <p>Contexts are built on first use (on an event loop, during a handshake: a few milliseconds,
 * once per certificate version, provider, ALPN list and TLS versions) and kept on the {@link
 * ServerCertificate}, so they go when the source drops a rotated certificate.
 */
public final class TlsContexts {
  static final String REJECT_RENEGOTIATION = "jdk.tls.rejectClientInitiatedRenegotiation";

  static {
    // The JDK's TLS accepts a renegotiation that a TLS 1.2 client starts, each a full handshake
    // the server pays for (a CPU denial of service; testssl.sh: "Secure Client-Initiated
    // Renegotiation VULNERABLE"). OpenSSL (BoringSSL) refuses them already. The JDK reads this
    // once, before its first server handshake, which comes after this class is loaded.
    if (System.getProperty(REJECT_RENEGOTIATION) == null) {
      System.setProperty(REJECT_RENEGOTIATION, "true");
    }
  }

  private static final Logger log = LoggerFactory.getLogger(TlsContexts.class);
  static final List<String> HTTP_DEFAULT_ALPN =
      List.of(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1);

  /**
   * TLS versions served: TLS 1.3 and 1.2, as Mozilla's "intermediate" configuration
   * (https://wiki.mozilla.org/Security/Server_Side_TLS). RFC 8996 deprecates TLS 1.0 and 1.1.
   */
  static final List<String> PROFILE_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  /**
   * Cipher suites, by their IANA names, which Netty maps to OpenSSL's for the OpenSSL provider:
   * Mozilla's "intermediate" list (Netty's {@code Http2SecurityUtil.CIPHERS} holds the same TLS 1.2
   * suites). TLS 1.3: its three AEAD suites. TLS 1.2: ephemeral ECDH only, so every session has
   * forward secrecy and static-RSA key exchange (no forward secrecy, ROBOT-style padding oracles)
   * is gone; AEAD only (AES-GCM, ChaCha20-Poly1305), so no CBC with HMAC-SHA1 and its LUCKY13
   * timing side channel; ECDSA and RSA certificates alike. Mozilla also lists DHE-RSA suites: left
   * out, as every client that has AEAD suites also has ECDHE, and finite-field DH is slow. Netty's
   * defaults, used before, added static-RSA and CBC-SHA1 suites for old clients.
   */
  static final List<String> PROFILE_CIPHERS =
      List.of(
          "TLS_AES_128_GCM_SHA256",
          "TLS_AES_256_GCM_SHA384",
          "TLS_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  /** What a built context depends on besides the certificate. */
  record Key(SslProvider provider, List<String> alpn, List<String> protocols) {}

  private TlsContexts() {}

  /** The ALPN protocols a port offers; empty for none. */
  static List<String> alpn(PortSpec port) {
    if (port == null) {
      return HTTP_DEFAULT_ALPN; // the shared HTTPS listener serves HTTP
    }
    if (port.tls() != null && !port.tls().alpn().isEmpty()) {
      return port.tls().alpn();
    }
    return port.has(Handler.HTTP) ? HTTP_DEFAULT_ALPN : List.of();
  }

  /**
   * The TLS versions a port allows: those of its {@code tls.versions} in {@link
   * #PROFILE_PROTOCOLS}, or all of these when it names none of them (the API allows only TLSv1.2
   * and TLSv1.3, so nothing is dropped in practice).
   */
  static List<String> protocols(PortSpec port) {
    List<String> asked = port == null || port.tls() == null ? List.of() : port.tls().versions();
    List<String> allowed = PROFILE_PROTOCOLS.stream().filter(asked::contains).toList();
    return allowed.isEmpty() ? PROFILE_PROTOCOLS : allowed;
  }

  /**
   * The provider {@code setting} means on this machine.
   *
   * @throws IllegalStateException for {@link TlsProvider#OPENSSL} when OpenSSL is not usable
   */
  static SslProvider provider(TlsProvider setting) {
    return switch (setting) {
      case JDK -> SslProvider.JDK;
      case AUTO -> OpenSslSupport.USABLE ? SslProvider.OPENSSL : SslProvider.JDK;
      case OPENSSL -> {
        if (!OpenSslSupport.USABLE) {
          throw new IllegalStateException(
              "TLS provider openssl asked for, but " + OpenSslSupport.whyNot());
        }
        yield SslProvider.OPENSSL;
      }
    };
  }

  /** {@link #provider(TlsProvider)}, logging which provider TLS uses and why. */
  public static SslProvider logProvider(TlsProvider setting) {
    SslProvider provider = provider(setting);
    if (provider == SslProvider.OPENSSL) {
      log.info("TLS: OpenSSL ({}, netty-tcnative)", OpenSsl.versionString());
    } else if (setting == TlsProvider.JDK) {
      log.info("TLS: JDK (tlsProvider=jdk)");
    } else {
      log.warn("TLS: JDK; {}", OpenSslSupport.whyNot());
    }
    return provider;
  }

  /** {@link #context(ServerCertificate, List, List, SslProvider)} with every profile version. */
  static SslContext context(
      ServerCertificate certificate, List<String> alpn, SslProvider provider) {
    return context(certificate, alpn, PROFILE_PROTOCOLS, provider);
  }

  /**
   * The context serving {@code certificate} with {@code alpn} (in preference order; empty for no
   * ALPN) and TLS versions {@code protocols} (from {@link #protocols(PortSpec)}) on {@code
   * provider}: built once, then cached on the certificate. Null when {@code certificate} is null or
   * no context could be built from it.
   */
  static SslContext context(
      ServerCertificate certificate,
      List<String> alpn,
      List<String> protocols,
      SslProvider provider) {
    if (certificate == null) {
      return null;
    }
    Key key = new Key(provider, alpn, protocols);
    Optional<SslContext> ctx = certificate.contexts.get(key);
    if (ctx == null) {
      ctx =
          certificate.contexts.computeIfAbsent(
              key, k -> Optional.ofNullable(build(certificate, k)));
    }
    return ctx.orElse(null);
  }

  private static SslContext build(ServerCertificate certificate, Key key) {
    try {
      return newContext(certificate, key);
    } catch (SSLException | RuntimeException e) {
      if (key.provider() == SslProvider.JDK) {
        log.warn("cannot serve {}: {}", certificate, e.toString());
        return null;
      }
      log.warn(
          "{} cannot serve {}; using the JDK's TLS for it: {}",
          key.provider(),
          certificate,
          e.toString());
      return build(certificate, new Key(SslProvider.JDK, key.alpn(), key.protocols()));
    }
  }

  private static SslContext newContext(ServerCertificate certificate, Key key) throws SSLException {
    List<String> alpn = key.alpn();
    SslContextBuilder builder =
        SslContextBuilder.forServer(certificate.key(), certificate.chain())
            .sslProvider(key.provider())
            .protocols(key.protocols())
            // The filter drops what a provider lacks (e.g. ChaCha20 on a JDK without it) instead of
            // failing.
            .ciphers(PROFILE_CIPHERS, SupportedCipherSuiteFilter.INSTANCE);
    if (!alpn.isEmpty()) {
      builder.applicationProtocolConfig(
          new ApplicationProtocolConfig(
              ApplicationProtocolConfig.Protocol.ALPN,
              // No common protocol: finish the handshake without ALPN, the client falls back to
              // 1.1.
              ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
              ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
              alpn));
    }
    return builder.build();
  }

  /** Whether OpenSSL loaded, with ALPN; evaluated (loading the native library) on first use. */
  private static final class OpenSslSupport {
    static final boolean USABLE =
        OpenSsl.isAvailable() && SslProvider.isAlpnSupported(SslProvider.OPENSSL);

    static String whyNot() {
      if (!OpenSsl.isAvailable()) {
        Throwable cause = OpenSsl.unavailabilityCause();
        return "OpenSSL did not load: " + (cause == null ? "unknown cause" : cause.toString());
      }
      return SslProvider.isAlpnSupported(SslProvider.OPENSSL)
          ? "OpenSSL is usable"
          : "OpenSSL has no ALPN";
    }
  }
}
