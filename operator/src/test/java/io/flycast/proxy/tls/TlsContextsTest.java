package io.flycast.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flycast.catalog.Handler;
import io.flycast.catalog.HttpOptions;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.ProxyProtoVersion;
import io.flycast.catalog.TlsOptions;
import io.flycast.proxy.TestCertificates;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Which ALPN protocols a port offers, which TLS provider serves, and the contexts built for them.
 */
class TlsContextsTest {
  private static PortSpec port(Set<Handler> handlers, List<String> alpn) {
    return new PortSpec(
        443,
        8080,
        handlers,
        false,
        new TlsOptions("s", alpn, List.of()),
        ProxyProtoVersion.V1,
        HttpOptions.DEFAULT);
  }

  @Test
  void httpPortsOfferH2AndHttp11UnlessTheyNameTheirOwn() {
    assertThat(TlsContexts.alpn(port(Set.of(Handler.TLS, Handler.HTTP), List.of())))
        .containsExactly("h2", "http/1.1");
    assertThat(TlsContexts.alpn(port(Set.of(Handler.TLS, Handler.HTTP), List.of("http/1.1"))))
        .containsExactly("http/1.1");
    assertThat(TlsContexts.alpn(null))
        .containsExactly("h2", "http/1.1"); // the shared HTTPS listener
  }

  @Test
  void rawTlsPortsOfferNoAlpnUnlessTheyNameTheirOwn() {
    assertThat(TlsContexts.alpn(port(Set.of(Handler.TLS), List.of()))).isEmpty();
    assertThat(TlsContexts.alpn(port(Set.of(Handler.TLS), List.of("postgresql"))))
        .containsExactly("postgresql");
  }

  @Test
  void portsServeTls12And13UnlessTheyNarrowIt() {
    assertThat(TlsContexts.protocols(port(Set.of(Handler.TLS), List.of())))
        .containsExactly("TLSv1.3", "TLSv1.2");
    assertThat(TlsContexts.protocols(null))
        .containsExactly("TLSv1.3", "TLSv1.2"); // the shared HTTPS listener
    assertThat(TlsContexts.protocols(versions(List.of("TLSv1.3")))).containsExactly("TLSv1.3");
    assertThat(TlsContexts.protocols(versions(List.of("TLSv1.2", "TLSv1.3"))))
        .containsExactly("TLSv1.3", "TLSv1.2");
    // Never wider than the profile: a version outside it is not served.
    assertThat(TlsContexts.protocols(versions(List.of("TLSv1.1", "TLSv1.2"))))
        .containsExactly("TLSv1.2");
  }

  private static PortSpec versions(List<String> versions) {
    return new PortSpec(
        443,
        8080,
        Set.of(Handler.TLS),
        false,
        new TlsOptions("s", List.of(), versions),
        ProxyProtoVersion.V1,
        HttpOptions.DEFAULT);
  }

  @Test
  void contextsOfferTheProtocolsAndAreKeptOnTheCertificate() throws Exception {
    ServerCertificate cert = TestCertificates.selfSigned("x.example.com");
    for (SslProvider provider : providers()) {
      SslContext h2 = TlsContexts.context(cert, List.of("h2", "http/1.1"), provider);
      assertThat(h2.isServer()).isTrue();
      assertThat(h2.applicationProtocolNegotiator().protocols()).containsExactly("h2", "http/1.1");
      assertThat(TlsContexts.context(cert, List.of("h2", "http/1.1"), provider)).isSameAs(h2);
      SslContext none = TlsContexts.context(cert, List.of(), provider);
      assertThat(none).isNotSameAs(h2);
      assertThat(none.applicationProtocolNegotiator().protocols()).isEmpty();
    }
    assertThat(cert.contexts).hasSize(2 * providers().size());
    assertThat(TlsContexts.context(null, List.of("h2"), SslProvider.JDK)).isNull();
  }

  @Test
  void eachProviderBuildsItsOwnKindOfContext() throws Exception {
    ServerCertificate cert = TestCertificates.selfSigned("x.example.com");
    assertThat(TlsContexts.context(cert, List.of("h2"), SslProvider.JDK))
        .isInstanceOf(JdkSslContext.class);
    assumeTrue(OpenSsl.isAvailable(), "OpenSSL not available here");
    SslContext ctx = TlsContexts.context(cert, List.of("h2"), SslProvider.OPENSSL);
    assertThat(ctx).isInstanceOf(OpenSslContext.class);
    assertThat(ctx.newEngine(ByteBufAllocator.DEFAULT))
        .isInstanceOf(ReferenceCountedOpenSslEngine.class);
  }

  @Test
  void autoMeansOpenSslWhenItLoadsAndJdkMeansJdk() {
    assertThat(TlsContexts.provider(TlsProvider.JDK)).isEqualTo(SslProvider.JDK);
    assertThat(TlsContexts.provider(TlsProvider.AUTO))
        .isEqualTo(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK);
    if (OpenSsl.isAvailable()) {
      assertThat(TlsContexts.provider(TlsProvider.OPENSSL)).isEqualTo(SslProvider.OPENSSL);
    } else {
      assertThatThrownBy(() -> TlsContexts.provider(TlsProvider.OPENSSL))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("OpenSSL did not load");
    }
  }

  /**
   * netty-tcnative-boringssl-static ships the native library for linux-x86_64 only: there, it must
   * load (or the proxy silently runs on the JDK's TLS).
   */
  @Test
  @EnabledOnOs(
      value = OS.LINUX,
      architectures = {"amd64", "x86_64"})
  void openSslLoadsOnLinuxX8664() {
    assertThat(OpenSsl.isAvailable())
        .as("OpenSSL unavailable: %s", OpenSsl.unavailabilityCause())
        .isTrue();
    assertThat(SslProvider.isAlpnSupported(SslProvider.OPENSSL)).isTrue();
    assertThat(TlsContexts.provider(TlsProvider.AUTO)).isEqualTo(SslProvider.OPENSSL);
  }

  @Test
  void providerSettingsParse() {
    assertThat(TlsProvider.parse("OpenSSL")).isEqualTo(TlsProvider.OPENSSL);
    assertThat(TlsProvider.parse(" jdk ")).isEqualTo(TlsProvider.JDK);
    assertThat(TlsProvider.parse("auto")).isEqualTo(TlsProvider.AUTO);
    assertThatThrownBy(() -> TlsProvider.parse("boring"))
        .hasMessageContaining("auto, openssl or jdk");
  }

  private static List<SslProvider> providers() {
    return OpenSsl.isAvailable()
        ? List.of(SslProvider.JDK, SslProvider.OPENSSL)
        : List.of(SslProvider.JDK);
  }
}
