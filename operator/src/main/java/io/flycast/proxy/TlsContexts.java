package io.flycast.proxy;

import io.flycast.catalog.Handler;
import io.flycast.catalog.PortSpec;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
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
 * <p>ALPN offered: the port's {@code tls.alpn} when set; otherwise, on an HTTP port,
 * {@code h2, http/1.1} (Fly's default); otherwise none. pg_tls offers none.
 *
 * <p>Contexts are built on first use (on an event loop, during a handshake: a few milliseconds,
 * once per certificate version, provider and ALPN list) and kept on the {@link ServerCertificate},
 * so they go when the source drops a rotated certificate.
 */
final class TlsContexts {
  private static final Logger log = LoggerFactory.getLogger(TlsContexts.class);
  static final List<String> HTTP_DEFAULT_ALPN = List.of(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1);

  /** What a built context depends on besides the certificate. */
  record Key(SslProvider provider, List<String> alpn) {}

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
          throw new IllegalStateException("TLS provider openssl asked for, but " + OpenSslSupport.whyNot());
        }
        yield SslProvider.OPENSSL;
      }
    };
  }

  /** {@link #provider(TlsProvider)}, logging which provider TLS uses and why. */
  static SslProvider logProvider(TlsProvider setting) {
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

  /**
   * The context serving {@code certificate} with {@code alpn} (in preference order; empty for no
   * ALPN) on {@code provider}: built once, then cached on the certificate. Null when
   * {@code certificate} is null or no context could be built from it.
   */
  static SslContext context(ServerCertificate certificate, List<String> alpn, SslProvider provider) {
    if (certificate == null) {
      return null;
    }
    Key key = new Key(provider, alpn);
    Optional<SslContext> ctx = certificate.contexts.get(key);
    if (ctx == null) {
      ctx = certificate.contexts.computeIfAbsent(key, k -> Optional.ofNullable(build(certificate, alpn, provider)));
    }
    return ctx.orElse(null);
  }

  private static SslContext build(ServerCertificate certificate, List<String> alpn, SslProvider provider) {
    try {
      return newContext(certificate, alpn, provider);
    } catch (SSLException | RuntimeException e) {
      if (provider == SslProvider.JDK) {
        log.warn("cannot serve {}: {}", certificate, e.toString());
        return null;
      }
      log.warn("{} cannot serve {}; using the JDK's TLS for it: {}", provider, certificate, e.toString());
      return build(certificate, alpn, SslProvider.JDK);
    }
  }

  private static SslContext newContext(ServerCertificate certificate, List<String> alpn, SslProvider provider)
      throws SSLException {
    SslContextBuilder builder = SslContextBuilder.forServer(certificate.key(), certificate.chain()).sslProvider(provider);
    if (!alpn.isEmpty()) {
      builder.applicationProtocolConfig(new ApplicationProtocolConfig(
          ApplicationProtocolConfig.Protocol.ALPN,
          // No common protocol: finish the handshake without ALPN, the client falls back to 1.1.
          ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
          ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
          alpn));
    }
    return builder.build();
  }

  /** Whether OpenSSL loaded, with ALPN; evaluated (loading the native library) on first use. */
  private static final class OpenSslSupport {
    static final boolean USABLE = OpenSsl.isAvailable() && SslProvider.isAlpnSupported(SslProvider.OPENSSL);

    static String whyNot() {
      if (!OpenSsl.isAvailable()) {
        Throwable cause = OpenSsl.unavailabilityCause();
        return "OpenSSL did not load: " + (cause == null ? "unknown cause" : cause.toString());
      }
      return SslProvider.isAlpnSupported(SslProvider.OPENSSL) ? "OpenSSL is usable" : "OpenSSL has no ALPN";
    }
  }
}
