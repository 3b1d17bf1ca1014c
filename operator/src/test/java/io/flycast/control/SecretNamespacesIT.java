package io.flycast.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flycast.Flycast;
import io.flycast.FlycastConfig;
import io.flycast.api.ExposedService;
import io.flycast.api.ExposedServiceSpec;
import io.flycast.api.HandlerName;
import io.flycast.api.TlsOptionsSpec;
import io.flycast.catalog.RouteKey;
import io.flycast.control.translate.SecretNamespaces;
import io.flycast.embedded.EmbeddedApiServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code --secret-namespaces}: TLS Secrets are read in the listed namespaces only, with one watch
 * each and no cluster-wide request, and a route elsewhere that terminates TLS is told why it has no
 * certificate and which value to set.
 */
class SecretNamespacesIT {
  static final Duration WAIT = Duration.ofSeconds(30);
  static EmbeddedApiServer api;
  static KubernetesClient client;
  static Flycast flycast;
  static final List<String> secretRequests = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    api = new EmbeddedApiServer().start(0);
    api.onRequest(
        (agent, method, path) -> {
          if (EmbeddedApiServer.OPERATOR_AGENT.equals(agent)
              && path.matches("^/api/v1/(namespaces/[^/]+/)?secrets.*")) {
            secretRequests.add(method + " " + path);
          }
        });
    // The test's own writes carry another User-Agent than the operator's requests.
    client = api.newClient("secret-namespaces-it/1");
    flycast =
        new Flycast(
                FlycastConfig.forTests(false)
                    .withPermissions(
                        FlycastConfig.Permissions.DEFAULT.withSecretNamespaces(
                            new SecretNamespaces(Set.of("certs", "more-certs")))),
                api.client())
            .start();
  }

  @AfterAll
  static void stop() {
    flycast.close();
    client.close();
    api.close();
  }

  static ExposedService tlsRoute(String ns, String name, String secret) {
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .createOr(n -> n.update());
    ExposedService es = new ExposedService();
    es.setMetadata(new ObjectMetaBuilder().withNamespace(ns).withName(name).build());
    es.setSpec(new ExposedServiceSpec());
    es.getSpec().selector = Map.of("app", name);
    es.getSpec().internalPort = 8080;
    es.getSpec().ports = List.of(ExposedServiceIT.port(443, HandlerName.TLS, HandlerName.HTTP));
    es.getSpec().ports.get(0).tlsOptions = new TlsOptionsSpec();
    es.getSpec().ports.get(0).tlsOptions.secretName = secret;
    return es;
  }

  static Condition valid(String ns, String name) {
    ExposedService es = client.resources(ExposedService.class).inNamespace(ns).withName(name).get();
    return es.getStatus().conditions.stream()
        .filter(c -> "Valid".equals(c.getType()))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aRouteInAListedNamespaceServesItsSecretAndOneElsewhereIsToldWhichValueToSet() {
    var pem = TlsSecrets.Pem.selfSigned("web.example.com");
    for (String ns : List.of("certs", "elsewhere")) {
      ExposedService es = tlsRoute(ns, "web", "web-tls");
      client
          .secrets()
          .inNamespace(ns)
          .resource(TlsSecrets.secret(ns, "web-tls", null, pem.certificate(), pem.key()))
          .create();
      client.resources(ExposedService.class).inNamespace(ns).resource(es).create();
    }

    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              assertThat(valid("certs", "web").getStatus()).isEqualTo("True");
              assertThat(flycast.catalog().current().route(new RouteKey("certs", "web")))
                  .isNotNull();
            });
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              Condition v = valid("elsewhere", "web");
              assertThat(v.getStatus()).isEqualTo("False");
              assertThat(v.getMessage())
                  .isEqualTo(
                      "port 443 (tlsOptions.secretName): TLS Secret 'elsewhere/web-tls' cannot be"
                          + " read: Flycast reads TLS Secrets only in the namespaces certs,"
                          + " more-certs; add elsewhere to the chart value tls.secretNamespaces"
                          + " (operator flag --secret-namespaces). TLS handshakes on port 443 fail"
                          + " until then");
              // The route is still served (plain handlers go on); only its TLS handshakes fail.
              assertThat(flycast.catalog().current().route(new RouteKey("elsewhere", "web")))
                  .isNotNull();
            });

    // Each listed namespace has its own watch, and nothing asked for Secrets of every namespace.
    assertThat(secretRequests)
        .isNotEmpty()
        .allMatch(
            r ->
                r.startsWith("GET /api/v1/namespaces/certs/secrets?")
                    || r.startsWith("GET /api/v1/namespaces/more-certs/secrets?"),
            "namespaced")
        .anyMatch(r -> r.contains("/namespaces/more-certs/") && r.contains("watch=true"))
        .allMatch(r -> r.contains("fieldSelector=type%3Dkubernetes.io%2Ftls"), "TLS Secrets only");
  }

  @Test
  void aSecretChangeInAListedNamespaceIsSeen() {
    ExposedService es = tlsRoute("more-certs", "api", "api-tls");
    client.resources(ExposedService.class).inNamespace("more-certs").resource(es).create();
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(valid("more-certs", "api").getMessage())
                    .contains("'more-certs/api-tls' does not exist"));

    var pem = TlsSecrets.Pem.selfSigned("api.example.com");
    client
        .secrets()
        .inNamespace("more-certs")
        .resource(TlsSecrets.secret("more-certs", "api-tls", null, pem.certificate(), pem.key()))
        .create();
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              assertThat(valid("more-certs", "api").getStatus()).isEqualTo("True");
              assertThat(flycast.catalog().current().route(new RouteKey("more-certs", "api")))
                  .isNotNull();
              assertThat(
                      flycast
                          .catalog()
                          .current()
                          .route(new RouteKey("more-certs", "api"))
                          .spec()
                          .port(443)
                          .tls()
                          .secretName())
                  .isEqualTo("api-tls");
            });
  }
}
