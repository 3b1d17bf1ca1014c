package io.flycast.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.flycast.api.CacheSpec;
import io.flycast.api.ConcurrencySpec;
import io.flycast.api.ExposedService;
import io.flycast.api.ExposedServiceSpec;
import io.flycast.api.FlycastIP;
import io.flycast.api.HandlerName;
import io.flycast.api.RateLimitSpec;
import io.flycast.api.ServicePort;
import io.flycast.api.TlsOptionsSpec;
import io.flycast.autoscale.TestApps;
import io.flycast.catalog.CacheSettings;
import io.flycast.catalog.Handler;
import io.flycast.catalog.RateLimit;
import io.flycast.catalog.Route;
import io.flycast.catalog.RouteKey;
import io.flycast.control.reconcile.ExposedServiceReconciler;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * ExposedService end to end on the embedded API: owned Service, address, status, conditions,
 * Events.
 */
class ExposedServiceIT extends EmbeddedControlPlane {
  static ExposedService exposed(String ns, String name, ServicePort... ports) {
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .createOr(n -> n.update());
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
    return es.getStatus().conditions.stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElseThrow();
  }

  /** A workload for {@code name}'s selector, scaled to zero: what the next request starts. */
  static void workload(String ns, String name) {
    TestApps.workload(client, ns, name, 0, Map.of());
  }

  /**
   * Scaled to zero promises that the next request starts a backend; with no workload to start, the
   * status says so and what to fix, and recovers once there is one.
   */
  @Test
  void anExposedServiceWithNoWorkloadIsNotReadyAndSaysWhy() {
    client
        .resources(ExposedService.class)
        .inNamespace("shop")
        .resource(exposed("shop", "ghost", port(80, HandlerName.HTTP)))
        .create();
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              Condition ready = condition(get("shop", "ghost"), "Ready");
              assertThat(ready.getStatus()).isEqualTo("False");
              assertThat(ready.getReason()).isEqualTo("NoWorkload");
              assertThat(ready.getMessage())
                  .contains("no Deployment or StatefulSet in shop has pods matching {app=ghost}")
                  .contains("scaleTargetRef");
            });

    workload("shop", "ghost");
    // Nothing the reconciler watches changes: the re-check finds the workload.
    await()
        .atMost(ExposedServiceReconciler.NO_WORKLOAD_RECHECK.plus(WAIT))
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(condition(get("shop", "ghost"), "Ready").getReason())
                    .isEqualTo("ScaledToZero"));
  }

  @Test
  void exposedServiceOwnsAServiceGetsAnAddressAndReportsStatus() {
    workload("shop", "web");
    client
        .resources(ExposedService.class)
        .inNamespace("shop")
        .resource(exposed("shop", "web", port(80, HandlerName.HTTP)))
        .create();

    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
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
              assertThat(owned.getMetadata().getOwnerReferences())
                  .anyMatch(o -> "ExposedService".equals(o.getKind()));
              assertThat(owned.getSpec().getSelector()).isEqualTo(Map.of("app", "web"));
              assertThat(owned.getMetadata().getAnnotations())
                  .containsEntry(FlycastAnnotations.FLYCAST_IP, es.getStatus().address)
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
    // hardLimit below softLimit breaks the CRD's CEL rule: the embedded API refuses it (422), as
    // a real one does. Stored past that check, it stands for an object on a cluster without CEL
    // (or stored before the rule), which the translator must still report.
    api.storeUnchecked(
        () -> client.resources(ExposedService.class).inNamespace("limits").resource(es).create());

    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              ExposedService got = get("limits", "api");
              Condition valid = condition(got, "Valid");
              assertThat(valid.getStatus()).isEqualTo("False");
              assertThat(valid.getReason()).isEqualTo("InvalidSpec");
              assertThat(valid.getMessage())
                  .contains("hardLimit (10) is below concurrency.softLimit (50)", "missing-cert");
              assertThat(condition(got, "Synced").getStatus()).isEqualTo("True");
              Route r = flycast.catalog().current().route(new RouteKey("limits", "api"));
              assertThat(r.spec().concurrency().hardLimit()).isEqualTo(50);
              assertThat(client.v1().events().inNamespace("limits").list().getItems())
                  .anyMatch(
                      e ->
                          "InvalidSpec".equals(e.getReason())
                              && e.getMessage().contains("missing-cert")
                              && "Warning".equals(e.getType()));
            });

    // Creating the Secret, with a certificate and its key, clears the TLS complaint.
    var pem = TlsSecrets.Pem.selfSigned("api.example.com");
    client
        .secrets()
        .inNamespace("limits")
        .resource(TlsSecrets.secret("limits", "missing-cert", null, pem.certificate(), pem.key()))
        .create();
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(condition(get("limits", "api"), "Valid").getMessage())
                    .doesNotContain("missing-cert"));
  }

  @Test
  void aRateLimitWithBurstZeroIsInvalidAndTheRouteServesWithoutOneUntilFixed() {
    ExposedService es = exposed("ratelimits", "api", port(80, HandlerName.HTTP));
    es.getSpec().rateLimit = new RateLimitSpec();
    es.getSpec().rateLimit.rate = 10;
    es.getSpec().rateLimit.burst = 0;
    client.resources(ExposedService.class).inNamespace("ratelimits").resource(es).create();
    RouteKey key = new RouteKey("ratelimits", "api");
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              Condition valid = condition(get("ratelimits", "api"), "Valid");
              assertThat(valid.getStatus()).isEqualTo("False");
              assertThat(valid.getMessage())
                  .contains("spec.rateLimit: burst is 0; it must be at least 1");
              Route r = flycast.catalog().current().route(key);
              assertThat(r.spec().port(80)).as("still routed").isNotNull();
              assertThat(r.spec().rateLimit()).isNull();
            });

    // edit: a patch of the change alone, so a status write of the operator's in between (which
    // bumps the resourceVersion) is no 409.
    client
        .resources(ExposedService.class)
        .inNamespace("ratelimits")
        .withName("api")
        .patch( // as below: a merge patch, which a status write in between cannot turn into a 409
            io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
            "{\"spec\":{\"rateLimit\":{\"burst\":20}}}");
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              assertThat(condition(get("ratelimits", "api"), "Valid").getStatus())
                  .isEqualTo("True");
              assertThat(flycast.catalog().current().route(key).spec().rateLimit())
                  .isEqualTo(new RateLimit(10, java.time.Duration.ofSeconds(1), 20, null));
            });
  }

  @Test
  void anUnreadableCacheSizeIsInvalidAndTheRouteServesWithoutACacheUntilFixed() {
    ExposedService es = exposed("caches", "web", port(80, HandlerName.HTTP));
    es.getSpec().cache = new CacheSpec();
    es.getSpec().cache.enabled = true;
    es.getSpec().cache.maxSize = "1Ti"; // not a size the schema refuses: a unit Flycast lacks
    client.resources(ExposedService.class).inNamespace("caches").resource(es).create();
    RouteKey key = new RouteKey("caches", "web");
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              Condition valid = condition(get("caches", "web"), "Valid");
              assertThat(valid.getStatus()).isEqualTo("False");
              assertThat(valid.getMessage())
                  .contains("spec.cache.maxSize: '1Ti' is not a size")
                  .contains("the route serves without a cache until it is fixed");
              Route r = flycast.catalog().current().route(key);
              assertThat(r.spec().port(80)).as("still routed").isNotNull();
              assertThat(r.spec().cache()).isNull();
            });

    // A merge patch without a resourceVersion, as kubectl patch sends: get + update (or edit,
    // which locks the version it read) is a 409 when the operator's status write came in between.
    client
        .resources(ExposedService.class)
        .inNamespace("caches")
        .withName("web")
        .patch(
            io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
            "{\"spec\":{\"cache\":{\"maxSize\":\"8Mi\"}}}");
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              assertThat(condition(get("caches", "web"), "Valid").getStatus()).isEqualTo("True");
              assertThat(flycast.catalog().current().route(key).spec().cache())
                  .isEqualTo(new CacheSettings(8 * CacheSettings.MIB, CacheSettings.MIB));
            });
  }

  static List<String> warnings(String ns, String name) {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(
            e ->
                name.equals(e.getInvolvedObject().getName())
                    && "Warning".equals(e.getType())
                    && "InvalidSpec".equals(e.getReason()))
        .map(e -> e.getMessage())
        .toList();
  }

  static void editSecret(String ns, String name, String crt, String key) {
    var data = TlsSecrets.secret(ns, name, null, crt, key).getData();
    client
        .secrets()
        .inNamespace(ns)
        .withName(name)
        .edit(
            s -> {
              s.setData(data);
              return s;
            });
  }

  /**
   * Valid is False with {@code problem}, and an Event says it; the route keeps both ports
   * meanwhile.
   */
  static void awaitInvalid(String ns, String name, String problem) {
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              ExposedService es = get(ns, name);
              Condition valid = condition(es, "Valid");
              assertThat(valid.getStatus()).isEqualTo("False");
              assertThat(valid.getReason()).isEqualTo("InvalidSpec");
              assertThat(valid.getMessage()).isEqualTo(problem);
              assertThat(warnings(ns, name)).contains(problem);
              assertThat(condition(es, "Synced").getStatus()).isEqualTo("True");
              Route r = flycast.catalog().current().route(new RouteKey(ns, name));
              assertThat(r.spec().port(80).handlers()).containsExactly(Handler.HTTP);
              assertThat(r.spec().port(443).tls().secretName()).isEqualTo("web-tls");
            });
  }

  @Test
  void anUnusableTlsSecretIsAConditionAndAnEventUntilItIsFixed() {
    var pem = TlsSecrets.Pem.selfSigned("web.example.com");
    var other = TlsSecrets.Pem.selfSigned("web.example.com");
    ExposedService es =
        exposed(
            "certs",
            "web",
            port(80, HandlerName.HTTP),
            port(443, HandlerName.TLS, HandlerName.HTTP));
    es.getSpec().ports.get(1).tlsOptions = new TlsOptionsSpec();
    es.getSpec().ports.get(1).tlsOptions.secretName = "web-tls";
    client.resources(ExposedService.class).inNamespace("certs").resource(es).create();
    // Another route of the namespace, untouched by web's Secret.
    workload("certs", "plain");
    client
        .resources(ExposedService.class)
        .inNamespace("certs")
        .resource(exposed("certs", "plain", port(80, HandlerName.HTTP)))
        .create();
    String prefix = "port 443 (tlsOptions.secretName): TLS Secret 'certs/web-tls'";
    String suffix = ". TLS handshakes on port 443 fail until then";

    client
        .secrets()
        .inNamespace("certs")
        .resource(TlsSecrets.secret("certs", "web-tls", null, "x", "y"))
        .create();
    awaitInvalid(
        "certs",
        "web",
        prefix
            + ": tls.crt is not a PEM certificate (no -----BEGIN CERTIFICATE----- block); "
            + "put the PEM certificate chain in it, the server's certificate first"
            + suffix);

    editSecret("certs", "web-tls", pem.certificate(), other.key());
    awaitInvalid(
        "certs",
        "web",
        prefix
            + ": the private key in tls.key does not belong to the certificate in tls.crt"
            + " (CN=web.example.com); put the certificate's own key in tls.key, or the key's"
            + " certificate first in tls.crt"
            + suffix);

    editSecret("certs", "web-tls", pem.certificate(), null);
    awaitInvalid(
        "certs",
        "web",
        prefix + " has no tls.key; put the certificate's PEM private key in it" + suffix);

    // Fixed: Valid again.
    editSecret("certs", "web-tls", pem.certificate(), pem.key());
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              Condition valid = condition(get("certs", "web"), "Valid");
              assertThat(valid.getStatus()).isEqualTo("True");
              assertThat(valid.getMessage()).isEqualTo("spec is valid");
            });

    // Deleted: reported again.
    client.secrets().inNamespace("certs").withName("web-tls").delete();
    awaitInvalid(
        "certs",
        "web",
        prefix
            + " does not exist (or is not of type kubernetes.io/tls); create it: "
            + "kubectl create secret tls web-tls -n certs --cert=CHAIN.pem --key=KEY.pem"
            + suffix);

    ExposedService plain = get("certs", "plain");
    assertThat(condition(plain, "Valid").getStatus()).isEqualTo("True");
    assertThat(condition(plain, "Ready").getStatus()).isEqualTo("True");
    assertThat(warnings("certs", "plain")).isEmpty();
  }

  @Test
  void deletingReleasesTheAddressAndTheRoute() {
    client
        .resources(ExposedService.class)
        .inNamespace("gone")
        .resource(exposed("gone", "tmp", port(5432)))
        .create();
    await()
        .atMost(WAIT)
        .until(
            () ->
                get("gone", "tmp").getStatus() != null
                    && get("gone", "tmp").getStatus().address != null
                    && flycast.catalog().current().route(new RouteKey("gone", "tmp")) != null);
    String address = get("gone", "tmp").getStatus().address;

    client.resources(ExposedService.class).inNamespace("gone").withName("tmp").delete();
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              assertThat(get("gone", "tmp")).isNull();
              assertThat(flycast.catalog().current().route(new RouteKey("gone", "tmp"))).isNull();
              assertThat(
                      client.resources(FlycastIP.class).withName(address.replace(':', '-')).get())
                  .isNull();
            });
  }

  @Test
  void requestedAddressIsHonoured() {
    ExposedService es = exposed("pinned", "db", port(5432));
    es.getSpec().address = "fdaa:0:48c8:0:1::5432";
    client.resources(ExposedService.class).inNamespace("pinned").resource(es).create();
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              assertThat(get("pinned", "db").getStatus().address)
                  .isEqualTo("fdaa:0:48c8:0:1::5432");
              assertThat(
                      flycast
                          .catalog()
                          .current()
                          .routeByAddress(java.net.InetAddress.getByName("fdaa:0:48c8:0:1::5432"))
                          .key()
                          .name())
                  .isEqualTo("db");
            });
  }
}
