package io.flycast.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.flycast.api.ConcurrencySpec;
import io.flycast.api.ExposedService;
import io.flycast.api.ExposedServiceSpec;
import io.flycast.api.FlycastIP;
import io.flycast.api.HandlerName;
import io.flycast.api.ServicePort;
import io.flycast.api.TlsOptionsSpec;
import io.flycast.catalog.Handler;
import io.flycast.catalog.Route;
import io.flycast.catalog.RouteKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ExposedService end to end on the embedded API: owned Service, address, status, conditions, Events. */
class ExposedServiceIT extends EmbeddedControlPlane {
  static ExposedService exposed(String ns, String name, ServicePort... ports) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).createOr(n -> n.update());
    ExposedService es = new ExposedService();
    es.setMetadata(new ObjectMetaBuilder().withNamespace(ns).withName(name).build());
    ExposedServiceSpec spec = new ExposedServiceSpec();
    spec.selector = Map.of("app", name);
    spec.internalPort = 8080;
    spec.ports = List.of(ports);
    es.setSpec(spec);
    return es;
  }

  static ServicePort port(int p, HandlerName... handlers) {
    ServicePort sp = new ServicePort();
    sp.port = p;
    sp.handlers = List.of(handlers);
    return sp;
  }

  static ExposedService get(String ns, String name) {
    return client.resources(ExposedService.class).inNamespace(ns).withName(name).get();
  }

  static Condition condition(ExposedService es, String type) {
    return es.getStatus().conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow();
  }

  @Test
  void exposedServiceOwnsAServiceGetsAnAddressAndReportsStatus() {
    client.resources(ExposedService.class).inNamespace("shop").resource(exposed("shop", "web", port(80, HandlerName.HTTP))).create();

    await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
      ExposedService es = get("shop", "web");
      assertThat(es.getStatus()).isNotNull();
      assertThat(es.getStatus().address).startsWith("fdaa:0:48c8:0:1:");
      assertThat(condition(es, "Allocated").getStatus()).isEqualTo("True");
      assertThat(condition(es, "Synced").getStatus()).isEqualTo("True");
      assertThat(condition(es, "Ready").getStatus()).isEqualTo("True");
      assertThat(condition(es, "Ready").getReason()).isEqualTo("ScaledToZero");
      assertThat(es.getStatus().hostnames).contains("web.shop.flycast");
      assertThat(es.getStatus().ports).isEqualTo("80/http");
      Route r = flycast.catalog().current().route(new RouteKey("shop", "web"));
      assertThat(es.getStatus().syncVersion).isEqualTo(r.specVersion());
      assertThat(r.spec().port(80).handlers()).containsExactly(Handler.HTTP);
      assertThat(r.spec().port(80).targetPort()).isEqualTo(8080);

      Service owned = client.services().inNamespace("shop").withName("web").get();
      assertThat(owned).isNotNull();
      assertThat(owned.getMetadata().getOwnerReferences()).anyMatch(o -> "ExposedService".equals(o.getKind()));
      assertThat(owned.getSpec().getSelector()).isEqualTo(Map.of("app", "web"));
      assertThat(owned.getMetadata().getAnnotations()).containsEntry(FlycastAnnotations.FLYCAST_IP, es.getStatus().address)
          .containsEntry(FlycastAnnotations.CLUSTERIP_ALLOCATOR, "configured")
          .containsEntry(FlycastAnnotations.SYNC_VERSION, Long.toString(r.specVersion()));
    });
  }

  @Test
  void invalidSpecBecomesAConditionAndAnEventWhileRoutingGoesOn() {
    ExposedService es = exposed("limits", "api", port(443, HandlerName.TLS, HandlerName.HTTP));
    es.getSpec().concurrency = new ConcurrencySpec();
    es.getSpec().concurrency.softLimit = 50;
    es.getSpec().concurrency.hardLimit = 10;
    es.getSpec().ports.get(0).tlsOptions = new TlsOptionsSpec();
    es.getSpec().ports.get(0).tlsOptions.secretName = "missing-cert";
    client.resources(ExposedService.class).inNamespace("limits").resource(es).create();

    await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
      ExposedService got = get("limits", "api");
      Condition valid = condition(got, "Valid");
      assertThat(valid.getStatus()).isEqualTo("False");
      assertThat(valid.getReason()).isEqualTo("InvalidSpec");
      assertThat(valid.getMessage()).contains("hardLimit (10) is below concurrency.softLimit (50)", "missing-cert");
      assertThat(condition(got, "Synced").getStatus()).isEqualTo("True");
      Route r = flycast.catalog().current().route(new RouteKey("limits", "api"));
      assertThat(r.spec().concurrency().hardLimit()).isEqualTo(50);
      assertThat(client.v1().events().inNamespace("limits").list().getItems())
          .anyMatch(e -> "InvalidSpec".equals(e.getReason()) && e.getMessage().contains("missing-cert")
              && "Warning".equals(e.getType()));
    });

    // Creating the Secret clears the TLS complaint.
    client.secrets().inNamespace("limits").resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
        .withNewMetadata().withName("missing-cert").endMetadata().withType("kubernetes.io/tls")
        .withStringData(Map.of("tls.crt", "x", "tls.key", "y")).build()).create();
    await().atMost(WAIT).ignoreExceptions().untilAsserted(() ->
        assertThat(condition(get("limits", "api"), "Valid").getMessage()).doesNotContain("missing-cert"));
  }

  @Test
  void deletingReleasesTheAddressAndTheRoute() {
    client.resources(ExposedService.class).inNamespace("gone").resource(exposed("gone", "tmp", port(5432))).create();
    await().atMost(WAIT).until(() -> get("gone", "tmp").getStatus() != null && get("gone", "tmp").getStatus().address != null
        && flycast.catalog().current().route(new RouteKey("gone", "tmp")) != null);
    String address = get("gone", "tmp").getStatus().address;

    client.resources(ExposedService.class).inNamespace("gone").withName("tmp").delete();
    await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
      assertThat(get("gone", "tmp")).isNull();
      assertThat(flycast.catalog().current().route(new RouteKey("gone", "tmp"))).isNull();
      assertThat(client.resources(FlycastIP.class).withName(address.replace(':', '-')).get()).isNull();
    });
  }

  @Test
  void requestedAddressIsHonoured() {
    ExposedService es = exposed("pinned", "db", port(5432));
    es.getSpec().address = "fdaa:0:48c8:0:1::5432";
    client.resources(ExposedService.class).inNamespace("pinned").resource(es).create();
    await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
      assertThat(get("pinned", "db").getStatus().address).isEqualTo("fdaa:0:48c8:0:1::5432");
      assertThat(flycast.catalog().current().routeByAddress(java.net.InetAddress.getByName("fdaa:0:48c8:0:1::5432")).key().name())
          .isEqualTo("db");
    });
  }
}
