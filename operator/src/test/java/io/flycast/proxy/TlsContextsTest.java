package io.flycast.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.catalog.Handler;
import io.flycast.catalog.HttpOptions;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.ProxyProtoVersion;
import io.flycast.catalog.TlsOptions;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which ALPN protocols a port offers, and contexts derived to offer them. */
class TlsContextsTest {
  private static PortSpec port(Set<Handler> handlers, List<String> alpn) {
    return new PortSpec(443, 8080, handlers, false, new TlsOptions("s", alpn, List.of()), ProxyProtoVersion.V1,
        HttpOptions.DEFAULT);
  }

  @Test
  void httpPortsOfferH2AndHttp11UnlessTheyNameTheirOwn() {
    assertThat(TlsContexts.alpn(port(Set.of(Handler.TLS, Handler.HTTP), List.of()))).containsExactly("h2", "http/1.1");
    assertThat(TlsContexts.alpn(port(Set.of(Handler.TLS, Handler.HTTP), List.of("http/1.1")))).containsExactly("http/1.1");
    assertThat(TlsContexts.alpn(null)).containsExactly("h2", "http/1.1"); // the shared HTTPS listener
  }

  @Test
  void rawTlsPortsKeepTheSourceContextsAlpnUnlessTheyNameTheirOwn() {
    assertThat(TlsContexts.alpn(port(Set.of(Handler.TLS), List.of()))).isEmpty();
    assertThat(TlsContexts.alpn(port(Set.of(Handler.TLS), List.of("postgresql")))).containsExactly("postgresql");
  }

  @Test
  void derivedContextsOfferTheProtocolsAndAreCached() throws Exception {
    SelfSignedCertificate cert = new SelfSignedCertificate("x.example.com");
    SslContext source = SslContextBuilder.forServer(cert.certificate(), cert.privateKey()).build();
    SslContext h2 = TlsContexts.withAlpn(source, List.of("h2", "http/1.1"));
    assertThat(h2.applicationProtocolNegotiator().protocols()).containsExactly("h2", "http/1.1");
    assertThat(TlsContexts.withAlpn(source, List.of("h2", "http/1.1"))).isSameAs(h2);
    assertThat(TlsContexts.withAlpn(source, List.of())).isSameAs(source);
    assertThat(TlsContexts.withAlpn(null, List.of("h2"))).isNull();
  }
}
