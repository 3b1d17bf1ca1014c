package io.flycast.control.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.catalog.AutostopMode;
import io.flycast.catalog.Concurrency;
import io.flycast.catalog.ConcurrencyType;
import io.flycast.catalog.Handler;
import io.flycast.catalog.ProxyProtoVersion;
import io.flycast.control.Fixtures;
import io.flycast.control.FlycastAnnotations;
import io.flycast.control.TlsSecrets;
import java.net.InetAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceTranslatorTest {
  static final InetAddress ADDR = EndpointSliceTranslator.literal("fdaa:0:48c8:0:1::1");

  @Test
  void defaultsMatchFly() {
    var t = ServiceTranslator.translate(Fixtures.flycastService("ns", "web"), ADDR, n -> null);
    assertThat(t.problems()).isEmpty();
    var s = t.spec();
    assertThat(s.concurrency()).isEqualTo(Concurrency.DEFAULT);
    assertThat(s.isPrivate()).isTrue();
    assertThat(s.network()).isEqualTo("ns");
    assertThat(s.autoscale().autostop()).isEqualTo(AutostopMode.OFF);
    assertThat(s.autoscale().autostart()).isTrue();
    assertThat(s.port(80).handlers()).isEmpty();
    assertThat(s.port(80).targetPort()).isEqualTo(8080);
  }

  @Test
  void fksAndFlycastAnnotationsAreRead() {
    var svc =
        Fixtures.service(
            "ns",
            "web",
            Map.of(
                FlycastAnnotations.handlers(80),
                "tls, HTTP",
                FlycastAnnotations.tlsSecret(80),
                "web-cert",
                FlycastAnnotations.forceHttps(80),
                "true",
                FlycastAnnotations.proxyProtoVersion(80),
                "v2",
                FlycastAnnotations.CONCURRENCY_KIND,
                "requests",
                FlycastAnnotations.CONCURRENCY_SOFT,
                "5",
                FlycastAnnotations.CONCURRENCY_HARD,
                "9",
                FlycastAnnotations.AUTO_STOP,
                "suspend",
                FlycastAnnotations.MIN_MACHINES_RUNNING,
                "1",
                FlycastAnnotations.HOSTNAMES,
                "a.example.com, b.example.com"));
    var t = ServiceTranslator.translate(svc, ADDR, n -> null);
    assertThat(t.problems()).isEmpty();
    var p = t.spec().port(80);
    assertThat(p.handlers()).containsExactlyInAnyOrder(Handler.TLS, Handler.HTTP);
    assertThat(p.tls().secretName()).isEqualTo("web-cert");
    assertThat(p.forceHttps()).isTrue();
    assertThat(p.proxyProto()).isEqualTo(ProxyProtoVersion.V2);
    assertThat(t.spec().concurrency()).isEqualTo(new Concurrency(ConcurrencyType.REQUESTS, 5, 9));
    assertThat(t.spec().autoscale().autostop()).isEqualTo(AutostopMode.SUSPEND);
    assertThat(t.spec().autoscale().minMachinesRunning()).isEqualTo(1);
    assertThat(t.spec().hostnames()).containsExactly("a.example.com", "b.example.com");
  }

  @Test
  void badValuesFallBackAndSayWhatToFix() {
    var svc =
        Fixtures.service(
            "ns",
            "web",
            Map.of(
                FlycastAnnotations.AUTO_STOP,
                "sometimes",
                FlycastAnnotations.CONCURRENCY_HARD,
                "2",
                FlycastAnnotations.forceHttps(80),
                "true",
                FlycastAnnotations.MIN_MACHINES_RUNNING,
                "-1"));
    var t = ServiceTranslator.translate(svc, ADDR, n -> null);
    assertThat(t.spec().autoscale().autostop()).isEqualTo(AutostopMode.OFF);
    assertThat(t.spec().concurrency().hardLimit()).isEqualTo(20);
    assertThat(t.spec().port(80).forceHttps()).isFalse();
    assertThat(t.spec().autoscale().minMachinesRunning()).isZero();
    assertThat(t.problems())
        .hasSize(4)
        .anyMatch(
            m -> m.contains("fly.io/auto-stop=\"sometimes\"") && m.contains("off, stop or suspend"))
        .anyMatch(m -> m.contains("below the soft limit 20"))
        .anyMatch(m -> m.contains("needs the http handler"))
        .anyMatch(m -> m.contains("integer >= 0"));
  }

  @Test
  void udpPortsAreSkippedWithAReason() {
    var svc = Fixtures.flycastService("ns", "dns");
    svc.getSpec().getPorts().get(0).setProtocol("UDP");
    var t = ServiceTranslator.translate(svc, ADDR, n -> null);
    assertThat(t.spec().ports()).isEmpty();
    assertThat(t.problems()).anyMatch(m -> m.contains("TCP only"));
  }

  @Test
  void aMissingOrUnusableTlsSecretIsReportedWithItsAnnotation() {
    var a = TlsSecrets.Pem.selfSigned("web.example.com");
    var b = TlsSecrets.Pem.selfSigned("web.example.com");
    TlsSecrets secrets =
        new TlsSecrets()
            .put("ns", "good", "1", a.certificate(), a.key())
            .put("ns", "other-key", "1", a.certificate(), b.key())
            .put("ns", "no-key", "1", a.certificate(), null);
    java.util.function.Function<String, String> problem =
        n -> secrets.certificates.problem("ns", n);
    java.util.function.Function<String, Map<String, String>> annotations =
        secret ->
            Map.of(
                FlycastAnnotations.FLYCAST,
                "true",
                FlycastAnnotations.handlers(80),
                "tls,http",
                FlycastAnnotations.tlsSecret(80),
                secret);

    assertThat(
            ServiceTranslator.translate(
                    Fixtures.service("ns", "web", annotations.apply("good")), ADDR, problem)
                .problems())
        .isEmpty();
    assertThat(
            ServiceTranslator.translate(
                    Fixtures.service("ns", "web", annotations.apply("missing")), ADDR, problem)
                .problems())
        .containsExactly(
            "port 80 (service.fly.io/80-tls-secret): TLS Secret 'ns/missing' does not exist (or is"
                + " not of type kubernetes.io/tls); create it: kubectl create secret tls missing -n"
                + " ns --cert=CHAIN.pem --key=KEY.pem. TLS handshakes on port 80 fail until then");
    assertThat(
            ServiceTranslator.translate(
                    Fixtures.service("ns", "web", annotations.apply("no-key")), ADDR, problem)
                .problems())
        .containsExactly(
            "port 80 (service.fly.io/80-tls-secret): TLS Secret 'ns/no-key' has no tls.key; put the"
                + " certificate's PEM private key in it. TLS handshakes on port 80 fail until"
                + " then");
    var t =
        ServiceTranslator.translate(
            Fixtures.service("ns", "web", annotations.apply("other-key")), ADDR, problem);
    assertThat(t.problems())
        .containsExactly(
            "port 80 (service.fly.io/80-tls-secret): TLS Secret 'ns/other-key': the private key in"
                + " tls.key does not belong to the certificate in tls.crt (CN=web.example.com); put"
                + " the certificate's own key in tls.key, or the key's certificate first in"
                + " tls.crt. TLS handshakes on port 80 fail until then");
    // Still routed, with that Secret: it serves as soon as the Secret is fixed.
    assertThat(t.spec().port(80).tls().secretName()).isEqualTo("other-key");
  }
}
