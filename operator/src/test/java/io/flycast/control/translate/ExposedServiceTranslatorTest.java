package io.flycast.control.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.flycast.api.Check;
import io.flycast.api.ExposedService;
import io.flycast.api.ExposedServiceSpec;
import io.flycast.api.HandlerName;
import io.flycast.api.ServicePort;
import io.flycast.api.TlsOptionsSpec;
import io.flycast.catalog.Handler;
import io.flycast.catalog.HealthCheck;
import io.flycast.control.TlsSecrets;
import io.flycast.control.reconcile.ExposedServiceServiceDependent;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExposedServiceTranslatorTest {
  static final InetAddress ADDR = EndpointSliceTranslator.literal("fdaa:0:48c8:0:1::1");

  static ExposedService exposed(Check... checks) {
    ExposedService es = new ExposedService();
    es.setMetadata(new ObjectMetaBuilder().withNamespace("ns").withName("web").build());
    ExposedServiceSpec spec = new ExposedServiceSpec();
    spec.selector = Map.of("app", "web");
    spec.internalPort = 8080;
    ServicePort p = new ServicePort();
    p.port = 80;
    spec.ports = List.of(p);
    spec.checks = checks.length == 0 ? null : new ArrayList<>(List.of(checks));
    es.setSpec(spec);
    return es;
  }

  static Check check(Check.Kind kind, String interval, String timeout, String grace) {
    Check c = new Check();
    c.type = kind;
    c.interval = interval;
    c.timeout = timeout;
    c.gracePeriod = grace;
    return c;
  }

  @Test
  void noChecksMeansEmptyList() {
    var t = ExposedServiceTranslator.translate(exposed(), ADDR, s -> null);
    assertThat(t.spec().checks()).isEmpty();
    assertThat(t.problems()).isEmpty();
  }

  @Test
  void translatesTcpAndHttpChecksOnTheInternalPort() {
    Check http = check(Check.Kind.HTTP, "10s", "500ms", "1m");
    http.method = "head";
    http.path = "/health";
    http.headers = Map.of("X-Probe", "1");
    var t =
        ExposedServiceTranslator.translate(
            exposed(check(Check.Kind.TCP, null, null, null), http), ADDR, s -> null);
    assertThat(t.problems()).isEmpty();
    assertThat(t.spec().checks())
        .containsExactly(
            new HealthCheck(
                HealthCheck.Kind.TCP,
                Duration.ofSeconds(15),
                Duration.ofSeconds(2),
                Duration.ofSeconds(1),
                null,
                null,
                null,
                8080),
            new HealthCheck(
                HealthCheck.Kind.HTTP,
                Duration.ofSeconds(10),
                Duration.ofMillis(500),
                Duration.ofMinutes(1),
                "HEAD",
                "/health",
                Map.of("X-Probe", "1"),
                8080));
  }

  @Test
  void badDurationIsAProblemAndTheCheckIsDropped() {
    var t =
        ExposedServiceTranslator.translate(
            exposed(
                check(Check.Kind.TCP, "15 seconds", null, null),
                check(Check.Kind.TCP, "0s", null, null),
                check(Check.Kind.HTTP, null, null, "2s")),
            ADDR,
            s -> null);
    assertThat(t.problems()).hasSize(2);
    assertThat(t.problems().get(0))
        .contains("checks[0]")
        .contains("interval")
        .contains("15 seconds");
    assertThat(t.problems().get(1)).contains("checks[1]");
    assertThat(t.spec().checks())
        .singleElement()
        .extracting(HealthCheck::kind)
        .isEqualTo(HealthCheck.Kind.HTTP);
  }

  /** Port 80 plain HTTP, port 443 TLS+HTTP with the Secret {@code secretName}. */
  static ExposedService withTls(String secretName) {
    ExposedService es = exposed();
    ServicePort tls = new ServicePort();
    tls.port = 443;
    tls.handlers = List.of(HandlerName.TLS, HandlerName.HTTP);
    tls.tlsOptions = new TlsOptionsSpec();
    tls.tlsOptions.secretName = secretName;
    es.getSpec().ports = List.of(es.getSpec().ports.get(0), tls);
    es.getSpec().ports.get(0).handlers = List.of(HandlerName.HTTP);
    return es;
  }

  @Test
  void aTlsSecretProblemNamesThePortTheSecretAndTheFixWhileEveryPortStaysRouted() {
    var a = TlsSecrets.Pem.selfSigned("web.example.com");
    var b = TlsSecrets.Pem.selfSigned("web.example.com");
    TlsSecrets secrets =
        new TlsSecrets()
            .put("ns", "good", "1", a.certificate(), a.key())
            .put("ns", "no-key", "1", a.certificate(), null)
            .put("ns", "no-crt", "1", null, a.key())
            .put("ns", "garbage", "1", "x", "y")
            .put("ns", "garbage-key", "1", a.certificate(), "y")
            .put("ns", "other-key", "1", a.certificate(), b.key());
    Map<String, String> expected =
        Map.of(
            "missing",
                "TLS Secret 'ns/missing' does not exist (or is not of type kubernetes.io/tls);"
                    + " create it: kubectl create secret tls missing -n ns --cert=CHAIN.pem"
                    + " --key=KEY.pem",
            "no-key",
                "TLS Secret 'ns/no-key' has no tls.key; put the certificate's PEM private key in"
                    + " it",
            "no-crt",
                "TLS Secret 'ns/no-crt' has no tls.crt; put the PEM certificate chain in it, the"
                    + " server's certificate first",
            "garbage",
                "TLS Secret 'ns/garbage': tls.crt is not a PEM certificate (no -----BEGIN"
                    + " CERTIFICATE----- block); put the PEM certificate chain in it, the server's"
                    + " certificate first",
            "garbage-key",
                "TLS Secret 'ns/garbage-key': tls.key is not a PEM private key (no -----BEGIN"
                    + " PRIVATE KEY----- block); put the certificate's private key in it (PKCS#8,"
                    + " PKCS#1 RSA or SEC1 EC)",
            "other-key",
                "TLS Secret 'ns/other-key': the private key in tls.key does not belong to the"
                    + " certificate in tls.crt (CN=web.example.com); put the certificate's own key"
                    + " in tls.key, or the key's certificate first in tls.crt");
    expected.forEach(
        (secret, problem) -> {
          var t =
              ExposedServiceTranslator.translate(
                  withTls(secret), ADDR, n -> secrets.certificates.problem("ns", n));
          assertThat(t.problems())
              .as(secret)
              .containsExactly(
                  "port 443 (tlsOptions.secretName): "
                      + problem
                      + ". TLS handshakes on port 443 fail until then");
          // Reported, not dropped: both ports are routed, 443 still terminates TLS with that
          // Secret.
          assertThat(t.spec().port(80).handlers()).containsExactly(Handler.HTTP);
          assertThat(t.spec().port(443).handlers())
              .containsExactlyInAnyOrder(Handler.TLS, Handler.HTTP);
          assertThat(t.spec().port(443).tls().secretName()).isEqualTo(secret);
        });

    var ok =
        ExposedServiceTranslator.translate(
            withTls("good"), ADDR, n -> secrets.certificates.problem("ns", n));
    assertThat(ok.problems()).isEmpty();
    // The route is the same whatever the Secret holds: fixing the Secret needs no new route.
    assertThat(ok.spec())
        .isEqualTo(ExposedServiceTranslator.translate(withTls("good"), ADDR, n -> "broken").spec());
  }

  @Test
  void aTlsPortWithoutASecretNameIsAProblem() {
    ExposedService es = withTls(null);
    var t =
        ExposedServiceTranslator.translate(
            es,
            ADDR,
            n -> {
              throw new AssertionError("no Secret to look up");
            });
    assertThat(t.problems())
        .containsExactly(
            "port 443 terminates TLS but has no tlsOptions.secretName; its TLS handshakes will"
                + " fail");
  }

  static ExposedService read(String spec) {
    return new io.fabric8.kubernetes.client.utils.KubernetesSerialization()
        .unmarshal(
            """
            apiVersion: fly.io/v1alpha1
            kind: ExposedService
            metadata: {name: web, namespace: ns}
            spec:
            """
                + spec.indent(2),
            ExposedService.class);
  }

  @Test
  void valuesThatCouldNotBeReadAreProblemsAndWhatNeedsThemIsLeftOut() {
    var t =
        ExposedServiceTranslator.translate(
            read(
                """
                selector: {app: web}
                internalPort: 8080
                autoStopMachines: sometimes
                hostnames: [web.example.com, {x: 1}]
                ports:
                - {port: eighty, handlers: [http]}
                - {port: 81, handlers: [htttp, http]}
                - 82
                - {handlers: [tls, htttp]}
                checks: [{type: grpc}, {type: tcp}]
                """),
            ADDR,
            s -> null);
    assertThat(t.problems())
        .containsExactly(
            "spec.autoStopMachines: 'sometimes' is not one of off, stop, suspend; ignored",
            "spec.hostnames[1]: an object is not a string; ignored",
            "spec.ports[0].port: 'eighty' is not an integer; ignored",
            "spec.ports[1].handlers[0]: 'htttp' is not one of tls, http, proxy_proto, pg_tls;"
                + " ignored",
            "spec.ports[2]: 82 is not an object; ignored",
            "spec.ports[3].handlers[1]: 'htttp' is not one of tls, http, proxy_proto, pg_tls;"
                + " ignored",
            "spec.checks[0].type: 'grpc' is not one of tcp, http; ignored",
            // Said by the translator: missing rather than unreadable.
            "spec.ports[3] has no port number; ignored");
    assertThat(t.spec().ports()).extracting(p -> p.port()).containsExactly(81);
    assertThat(t.spec().port(81).handlers()).containsExactly(Handler.HTTP);
    assertThat(t.spec().hostnames()).containsExactly("web.example.com");
    assertThat(t.spec().autoscale().autostop()).isEqualTo(io.flycast.catalog.AutostopMode.OFF);
    assertThat(t.spec().checks())
        .extracting(HealthCheck::kind)
        .containsExactly(HealthCheck.Kind.TCP);
  }

  @Test
  void aMissingSpecOrInternalPortIsAProblem() {
    ExposedService none = read("{selector: {app: web}, ports: [{port: 80}]}");
    assertThat(ExposedServiceTranslator.translate(none, ADDR, s -> null).problems())
        .containsExactly(
            "spec.internalPort is missing; connections to the backends fail until it is set");
    ExposedService empty = new ExposedService();
    empty.setMetadata(new ObjectMetaBuilder().withNamespace("ns").withName("web").build());
    var t = ExposedServiceTranslator.translate(empty, ADDR, s -> null);
    assertThat(t.problems()).containsExactly("spec is missing");
    assertThat(t.spec().ports()).isEmpty();
    assertThat(ExposedServiceTranslator.translate(read("just text"), ADDR, s -> null).problems())
        .containsExactly("spec: 'just text' is not an object; ignored");
  }

  @Test
  void theOwnedServiceHasTheReadablePortsAndNoneWithoutThem() {
    ExposedService es =
        read(
            "{selector: {app: web}, internalPort: 8080, ports: [{port: eighty}, {port: 81}, {port:"
                + " 81}]}");
    assertThat(ExposedServiceServiceDependent.ports(es)).containsExactly(81);
    ExposedService none =
        read("{selector: {app: web}, internalPort: 8080, ports: [{port: eighty}]}");
    assertThat(new ExposedServiceServiceDependent.HasPorts().isMet(null, none, null)).isFalse();
    assertThat(new ExposedServiceServiceDependent.HasPorts().isMet(null, es, null)).isTrue();
  }
}
