package io.flycast.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.flycast.api.ExposedService;
import io.flycast.bench.ClusterObjects;
import io.flycast.catalog.RouteKey;
import io.flycast.control.reconcile.ServiceReconciler;
import io.flycast.control.translate.EndpointSliceTranslator;
import io.flycast.control.translate.ExposedServiceTranslator;
import io.flycast.control.translate.ManagedServicePolicy;
import io.flycast.control.translate.SecretCertificates;
import io.flycast.control.translate.ServiceTranslator;
import io.flycast.control.watch.CatalogSync;
import io.flycast.control.watch.PodAddressIndex;
import io.flycast.control.watch.PodNetworks;
import io.flycast.informer.PodItemStore;
import io.flycast.informer.Trim;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the informers keep is enough: each kind, as a real cluster returns it and trimmed as its
 * informer trims it, translates, routes, is managed and loads exactly as the full object does; and
 * the trim drops what it says (else the full object would pass as "trimmed").
 */
class TrimmedObjectsTest {
  static final KubernetesSerialization JSON = new KubernetesSerialization();
  static final InetAddress ADDRESS = EndpointSliceTranslator.literal("fdaa:0:48c8:0:1::7");

  /** Services as clusters hold them: applied with kubectl, with every annotation Flycast reads. */
  static Stream<String> services() {
    String plain = ClusterObjects.service("shop", "web", "10.96.0.10", "41");
    return Stream.of(
        plain,
        withAnnotations(
            plain,
            Map.of(
                "fly.io/flycast-ip",
                "fdaa:0:48c8:0:1::7",
                "fly.io/network",
                "blue",
                "service.fly.io/80-handlers",
                "tls,http",
                "service.fly.io/80-tls-secret",
                "web-tls",
                "service.fly.io/concurrency-kind",
                "requests",
                "service.fly.io/concurrency-limit-soft",
                "20",
                "fly.io/auto-stop",
                "suspend",
                "fly.io/min-machines-running",
                "1")),
        withAnnotations(
            plain,
            Map.of(
                "fly.io/flycast-ip", "fdaa:0:48c8:0:1::7", "service.fly.io/80-handlers", "bogus")),
        plain
            .replace(
                "\"type\":\"ClusterIP\"",
                "\"type\":\"LoadBalancer\",\"loadBalancerClass\":\"fly.io/flycast\"")
            .replace("\"ipFamilies\":[\"IPv4\"]", "\"ipFamilies\":[\"IPv6\",\"IPv4\"]"),
        plain.replace(
            "\"type\":\"ClusterIP\"",
            "\"type\":\"ExternalName\",\"externalName\":\"db.example.com\""),
        plain.replace(
            "\"namespace\":\"shop\",\"resourceVersion\"",
            "\"namespace\":\"shop\",\"ownerReferences\":[{\"apiVersion\":"
                + "\"fly.io/v1alpha1\",\"kind\":\"ExposedService\",\"name\":\"web\",\"uid\":\"u1\"}],\"resourceVersion\""));
  }

  @ParameterizedTest
  @MethodSource("services")
  void aTrimmedServiceTranslatesAsTheFullOne(String json) {
    Service full = JSON.unmarshal(json, Service.class);
    Service trimmed = Trim.metadata(JSON.unmarshal(json, Service.class));

    Function<String, String> secretProblem =
        name -> "web-tls".equals(name) ? null : "no Secret " + name;
    assertThat(ServiceTranslator.translate(trimmed, ADDRESS, secretProblem))
        .isEqualTo(ServiceTranslator.translate(full, ADDRESS, secretProblem));
    for (boolean all : new boolean[] {false, true}) {
      for (Namespace ns : namespaces()) {
        assertThat(new ManagedServicePolicy(all, n -> Trim.namespace(clone(ns))).isManaged(trimmed))
            .isEqualTo(new ManagedServicePolicy(all, n -> ns).isManaged(full));
      }
    }
    assertThat(ManagedServicePolicy.ownedByExposedService(trimmed))
        .isEqualTo(ManagedServicePolicy.ownedByExposedService(full));
    assertThat(ManagedServicePolicy.carriesOurMarks(trimmed))
        .isEqualTo(ManagedServicePolicy.carriesOurMarks(full));
    assertThat(EndpointSliceTranslator.preferredFamily(trimmed))
        .isEqualTo(EndpointSliceTranslator.preferredFamily(full));
    assertThat(CatalogSync.namesTlsSecret(trimmed, "web-tls"))
        .isEqualTo(CatalogSync.namesTlsSecret(full, "web-tls"));
    assertThat(ServiceReconciler.isFlycastLoadBalancer(trimmed))
        .isEqualTo(ServiceReconciler.isFlycastLoadBalancer(full));
    assertThat(trimmed.getMetadata().getUid()).isEqualTo(full.getMetadata().getUid());
    assertThat(trimmed.getMetadata().getResourceVersion())
        .isEqualTo(full.getMetadata().getResourceVersion());

    assertDropped(full, trimmed);
  }

  static Stream<String> slices() {
    String plain = ClusterObjects.endpointSlice("shop", "web", 0, 10, "42");
    return Stream.of(
        plain,
        plain
            .replaceFirst(
                "\"conditions\":\\{[^}]*}",
                "\"conditions\":{\"ready\":false,\"serving\":true,\"terminating\":true}")
            .replaceFirst("\"conditions\":\\{\"ready\":true[^}]*}", "\"conditions\":{}")
            .replaceFirst(
                "\"conditions\":\\{\"ready\":true[^}]*}",
                "\"conditions\":{\"ready\":null,\"serving\":false}"),
        plain
            .replaceFirst(",\"zone\":\"zone-\\d\"", "")
            .replaceFirst(",\"targetRef\":\\{[^}]*}", ""),
        plain.replace(
            "\"ports\":[{\"name\":\"http\",\"port\":8080,\"protocol\":\"TCP\"}]",
            "\"ports\":[{\"name\":\"http\",\"port\":8080,\"protocol\":\"TCP\"},{\"name\":\"dns\",\"port\":53,\"protocol\":\"UDP\"},"
                + "{\"port\":9090}]"),
        plain
            .replace("\"addressType\":\"IPv4\"", "\"addressType\":\"IPv6\"")
            .replaceAll("\"127\\.1\\.0\\.(\\d+)\"", "\"fd00::$1\""));
  }

  @ParameterizedTest
  @MethodSource("slices")
  void aTrimmedEndpointSliceGivesTheSameBackends(String json) {
    EndpointSlice full = JSON.unmarshal(json, EndpointSlice.class);
    EndpointSlice trimmed = Trim.endpointSlice(JSON.unmarshal(json, EndpointSlice.class));

    for (String family : List.of(EndpointSliceTranslator.IPV4, EndpointSliceTranslator.IPV6)) {
      assertThat(EndpointSliceTranslator.backends(List.of(trimmed), family))
          .isEqualTo(EndpointSliceTranslator.backends(List.of(full), family))
          .isNotEmpty();
    }
    assertThat(trimmed.getMetadata().getLabels())
        .containsExactly(Map.entry(Trim.SERVICE_NAME_LABEL, "web"));
    assertThat(trimmed.getMetadata().getNamespace()).isEqualTo("shop");
    assertThat(trimmed.getMetadata().getResourceVersion()).isEqualTo("42");
    assertThat(trimmed.getEndpoints())
        .allSatisfy(
            e -> {
              assertThat(e.getTargetRef() == null || e.getTargetRef().getUid() == null).isTrue();
            });
    // Kept: the zone of a pod routed before its slice lists it comes from its node's.
    assertThat(trimmed.getEndpoints())
        .extracting(e -> e == null ? null : e.getNodeName())
        .isEqualTo(
            full.getEndpoints().stream().map(e -> e == null ? null : e.getNodeName()).toList());
    assertDropped(full, trimmed);
  }

  static List<Namespace> namespaces() {
    return List.of(
        JSON.unmarshal(ClusterObjects.namespace("shop", "3"), Namespace.class),
        withMetadata(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName("shop")
                .addToLabels("fly.io/flycast", "enabled")
                .addToLabels("fly.io/network", "blue")
                .addToAnnotations("fly.io/network", "green, red")
                .endMetadata()
                .build()));
  }

  @Test
  void aTrimmedNamespaceJoinsTheSameNetworks() {
    for (Namespace full : namespaces()) {
      Namespace trimmed = Trim.namespace(clone(full));
      assertThat(PodNetworks.networksOfNamespace("shop", trimmed))
          .isEqualTo(PodNetworks.networksOfNamespace("shop", full));
      assertThat(trimmed.getSpec()).isNull();
      assertDropped(full, trimmed);
    }
  }

  /** Every ExposedService and TLS Secret of the examples. */
  static List<HasMetadata> examples() throws IOException {
    List<HasMetadata> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(Path.of("..", "examples"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        for (String doc : Files.readString(f).split("(?m)^---$")) {
          if (doc.contains("kind: ExposedService")) {
            out.add(withMetadata(JSON.unmarshal(doc, ExposedService.class)));
          } else if (doc.contains("kubernetes.io/tls")) {
            out.add(withMetadata(JSON.unmarshal(doc, Secret.class)));
          }
        }
      }
    }
    assertThat(out)
        .hasAtLeastOneElementOfType(ExposedService.class)
        .hasAtLeastOneElementOfType(Secret.class);
    return out;
  }

  @Test
  void trimmedExposedServicesAndSecretsTranslateAndLoadAsTheFullOnes() throws IOException {
    List<HasMetadata> full = examples();
    List<HasMetadata> trimmed = full.stream().map(o -> Trim.metadata(clone(o))).toList();
    SecretCertificates fromFull = new SecretCertificates(lookup(full));
    SecretCertificates fromTrimmed = new SecretCertificates(lookup(trimmed));
    for (int i = 0; i < full.size(); i++) {
      var meta = full.get(i).getMetadata();
      if (full.get(i) instanceof ExposedService es) {
        Function<String, String> problem = name -> fromFull.problem(meta.getNamespace(), name);
        assertThat(
                ExposedServiceTranslator.translate(
                    (ExposedService) trimmed.get(i), ADDRESS, problem))
            .isEqualTo(ExposedServiceTranslator.translate(es, ADDRESS, problem));
        assertThat(CatalogSync.namesTlsSecret((ExposedService) trimmed.get(i), "secure-tls"))
            .isEqualTo(CatalogSync.namesTlsSecret(es, "secure-tls"));
      } else {
        assertThat(fromTrimmed.problem(meta.getNamespace(), meta.getName()))
            .isEqualTo(fromFull.problem(meta.getNamespace(), meta.getName()));
        var route = new RouteKey(meta.getNamespace(), "any");
        assertThat(fromTrimmed.certificate(route, meta.getName()).leaf())
            .isEqualTo(fromFull.certificate(route, meta.getName()).leaf());
        assertThat(fromTrimmed.certificate(route, meta.getName()).key())
            .isEqualTo(fromFull.certificate(route, meta.getName()).key());
      }
      assertDropped(full.get(i), trimmed.get(i));
    }
  }

  static Stream<String> pods() {
    String plain = ClusterObjects.pod("shop", "web", 0, 0, "43");
    return Stream.of(
        plain,
        ClusterObjects.pod("kube-system", "coredns", 1, 1, "44", "kube-dns"),
        plain.replace(
            "\"dnsPolicy\":\"ClusterFirst\"",
            "\"dnsPolicy\":\"ClusterFirst\",\"hostNetwork\":true"),
        plain.replace("\"phase\":\"Running\"", "\"phase\":\"Succeeded\""),
        plain.replace(
            "\"podIPs\":[{\"ip\":\"127.1.0.0\"}]",
            "\"podIPs\":[{\"ip\":\"127.1.0.0\"},{\"ip\":\"fd00::10\"}]"),
        plain.replace(",\"podIPs\":[{\"ip\":\"127.1.0.0\"}]", ""),
        plain
            .replace("\"podIP\":\"127.1.0.0\",", "")
            .replace("\"podIPs\":[{\"ip\":\"127.1.0.0\"}]", "\"podIPs\":[{\"ip\":\"fd00::11\"}]"),
        plain
            .replace("\"podIP\":\"127.1.0.0\",", "")
            .replace(",\"podIPs\":[{\"ip\":\"127.1.0.0\"}]", ""));
  }

  @ParameterizedTest
  @MethodSource("pods")
  void aKeptPodIndexesAsTheFullOne(String json) {
    Pod full = JSON.unmarshal(json, Pod.class);
    PodItemStore store = new PodItemStore();
    String key = store.getKey(full);
    store.put(key, JSON.unmarshal(json, Pod.class));
    Pod kept = store.get(key);

    PodAddressIndex fromFull = new PodAddressIndex();
    PodAddressIndex fromKept = new PodAddressIndex();
    fromFull.update(null, full);
    fromKept.update(null, kept);
    List<InetAddress> addresses = new ArrayList<>(PodAddressIndex.addresses(full));
    addresses.add(EndpointSliceTranslator.literal("127.9.9.9"));
    assertThat(PodAddressIndex.addresses(kept)).isEqualTo(PodAddressIndex.addresses(full));
    assertThat(fromKept.size()).isEqualTo(fromFull.size());
    for (InetAddress a : addresses) {
      assertThat(fromKept.namespaceOf(a)).isEqualTo(fromFull.namespaceOf(a));
      assertThat(fromKept.isClusterDns(a)).isEqualTo(fromFull.isClusterDns(a));
    }
    // The informer hands the kept pod back when it is deleted: it must let go of its addresses.
    fromKept.update(store.remove(key), null);
    assertThat(fromKept.size()).isZero();
    assertThat(kept.getMetadata().getUid()).isEqualTo(full.getMetadata().getUid());
    assertThat(kept.getMetadata().getResourceVersion())
        .isEqualTo(full.getMetadata().getResourceVersion());
    assertThat(kept.getSpec() == null ? List.of() : kept.getSpec().getContainers()).isEmpty();
    assertThat(kept.getMetadata().getManagedFields()).isEmpty();
  }

  /**
   * The parts no kind keeps are gone, and the full object had them (or this would prove nothing).
   */
  static void assertDropped(HasMetadata full, HasMetadata trimmed) {
    assertThat(full.getMetadata().getManagedFields()).isNotEmpty();
    assertThat(trimmed.getMetadata().getManagedFields()).isNullOrEmpty();
    if (full.getMetadata().getAnnotations() != null
        && full.getMetadata().getAnnotations().containsKey(Trim.LAST_APPLIED)) {
      assertThat(trimmed.getMetadata().getAnnotations()).doesNotContainKey(Trim.LAST_APPLIED);
    }
    assertThat(trimmed.getMetadata().getName()).isEqualTo(full.getMetadata().getName());
    assertThat(trimmed.getMetadata().getNamespace()).isEqualTo(full.getMetadata().getNamespace());
  }

  /**
   * Adds what the API server adds (managed fields) and what kubectl apply adds (its last applied
   * copy).
   */
  static <T extends HasMetadata> T withMetadata(T obj) {
    String applied = JSON.asJson(obj);
    obj.getMetadata()
        .setManagedFields(
            List.of(
                new ManagedFieldsEntryBuilder()
                    .withManager("kubectl-client-side-apply")
                    .withOperation("Update")
                    .withApiVersion(obj.getApiVersion())
                    .withFieldsType("FieldsV1")
                    .withNewFieldsV1()
                    .addToAdditionalProperties("f:metadata", Map.of("f:name", Map.of()))
                    .endFieldsV1()
                    .build()));
    Map<String, String> annotations =
        new HashMap<>(
            obj.getMetadata().getAnnotations() == null
                ? Map.of()
                : obj.getMetadata().getAnnotations());
    annotations.put(Trim.LAST_APPLIED, applied);
    obj.getMetadata().setAnnotations(annotations);
    obj.getMetadata().setUid("uid-" + obj.getMetadata().getName());
    obj.getMetadata().setResourceVersion("7");
    return obj;
  }

  static <T extends HasMetadata> T clone(T obj) {
    return JSON.clone(obj);
  }

  static java.util.function.BiFunction<String, String, Secret> lookup(List<HasMetadata> objects) {
    return (ns, name) ->
        objects.stream()
            .filter(
                o ->
                    o instanceof Secret
                        && name.equals(o.getMetadata().getName())
                        && ns.equals(o.getMetadata().getNamespace()))
            .map(o -> (Secret) o)
            .findFirst()
            .orElse(null);
  }

  static String withAnnotations(String serviceJson, Map<String, String> annotations) {
    StringBuilder extra = new StringBuilder();
    annotations.forEach(
        (k, v) -> extra.append("\"").append(k).append("\":\"").append(v).append("\","));
    return serviceJson.replace(
        "\"annotations\":{\"fly.io/flycast\":\"true\",\"kubectl",
        "\"annotations\":{" + extra + "\"fly.io/flycast\":\"true\",\"kubectl");
  }
}
