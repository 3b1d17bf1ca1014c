package io.flycast.control.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.flycast.catalog.Backend;
import io.flycast.catalog.PortSpec;
import io.flycast.control.FlycastAnnotations;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EndpointSliceTranslatorTest {

  /**
   * A slice of {@code family} with one ready endpoint per pod (name, address), and {@code ports}
   * (name to number).
   */
  static EndpointSlice slice(
      String name, String family, Map<String, Integer> ports, String... podAndAddress) {
    var b =
        new EndpointSliceBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace("ns")
            .withLabels(Map.of(FlycastAnnotations.SERVICE_NAME_LABEL, "web"))
            .endMetadata()
            .withAddressType(family);
    for (int i = 0; i < podAndAddress.length; i += 2) {
      b.addNewEndpoint()
          .withAddresses(podAndAddress[i + 1])
          .withNewConditions()
          .withReady(true)
          .endConditions()
          .withTargetRef(
              new ObjectReferenceBuilder()
                  .withKind("Pod")
                  .withNamespace("ns")
                  .withName(podAndAddress[i])
                  .build())
          .endEndpoint();
    }
    ports.forEach((n, p) -> b.addNewPort().withName(n).withPort(p).withProtocol("TCP").endPort());
    return b.build();
  }

  static Service service(IntOrString targetPort, List<String> ipFamilies) {
    return new ServiceBuilder()
        .withNewMetadata()
        .withNamespace("ns")
        .withName("web")
        .endMetadata()
        .withNewSpec()
        .withSelector(Map.of("app", "web"))
        .withIpFamilies(ipFamilies)
        .addNewPort()
        .withName("web")
        .withPort(80)
        .withTargetPort(targetPort)
        .withProtocol("TCP")
        .endPort()
        .endSpec()
        .build();
  }

  static PortSpec port80(Service svc) {
    var t = ServiceTranslator.translate(svc, ServiceTranslatorTest.ADDR, n -> null);
    assertThat(t.problems()).isEmpty();
    return t.spec().port(80);
  }

  @Test
  void aNamedTargetPortIsDialedOnTheNumberEachPodsSliceGivesIt() {
    PortSpec p = port80(service(new IntOrString("http"), List.of()));
    assertThat(p.targetPortName()).isEqualTo("http");
    assertThat(p.name()).isEqualTo("web");
    // The slice controller lists the number under the Service port's name, one slice per
    // resolution.
    List<Backend> backends =
        EndpointSliceTranslator.backends(
            List.of(
                slice(
                    "web-a", "IPv4", Map.of("web", 9090), "web-1", "10.0.0.1", "web-2", "10.0.0.2"),
                slice("web-b", "IPv4", Map.of("web", 9191), "web-3", "10.0.0.3"),
                slice(
                    "web-c",
                    "IPv4",
                    Map.of(),
                    "web-4",
                    "10.0.0.4"))); // no container port named http
    assertThat(backends)
        .extracting(Backend::name)
        .containsExactly("web-1", "web-2", "web-3", "web-4");
    assertThat(backends).extracting(p::targetPort).containsExactly(9090, 9090, 9191, 0);
    assertThat(backends).extracting(p::serves).containsExactly(true, true, true, false);
  }

  @Test
  void aNumericTargetPortWorksWithOrWithoutSlicePorts() {
    PortSpec p = port80(service(new IntOrString(8080), List.of()));
    assertThat(p.targetPort()).isEqualTo(8080);
    assertThat(p.targetPortName()).isNull();
    List<Backend> backends =
        EndpointSliceTranslator.backends(
            List.of(
                slice("web-a", "IPv4", Map.of("web", 8080), "web-1", "10.0.0.1"),
                slice("web-b", "IPv4", Map.of(), "web-2", "10.0.0.2")));
    assertThat(backends).extracting(p::targetPort).containsExactly(8080, 8080);
    assertThat(backends).allMatch(p::serves);
    // Unset: the Service port, as the API server defaults it; unnamed ports are "" in slices.
    var unnamed =
        new ServiceBuilder(service(null, List.of()))
            .editSpec()
            .editFirstPort()
            .withName(null)
            .endPort()
            .endSpec()
            .build();
    PortSpec u = port80(unnamed);
    assertThat(u.targetPort()).isEqualTo(80);
    assertThat(u.name()).isEmpty();
    Backend b =
        EndpointSliceTranslator.backends(
                List.of(slice("web-a", "IPv4", Map.of("", 80), "web-1", "10.0.0.1")))
            .get(0);
    assertThat(u.targetPort(b)).isEqualTo(80);
    assertThat(u.serves(b)).isTrue();
  }

  @Test
  void anExposedServicePortIsItsInternalPortWhateverTheSlices() {
    PortSpec p = PortSpec.tcp(80, 8080);
    Backend b =
        EndpointSliceTranslator.backends(
                List.of(slice("web-a", "IPv4", Map.of("port-80", 9999), "web-1", "10.0.0.1")))
            .get(0);
    assertThat(p.targetPort(b)).isEqualTo(8080);
    assertThat(p.serves(b)).isTrue();
  }

  @Test
  void aDualStackPodIsOneBackendAtItsIpv4AddressByDefault() {
    List<EndpointSlice> slices =
        List.of(
            slice("web-v6", "IPv6", Map.of("web", 8080), "web-1", "fd00::1", "web-2", "fd00::2"),
            slice("web-v4", "IPv4", Map.of("web", 8080), "web-1", "10.0.0.1", "web-2", "10.0.0.2"));
    List<Backend> backends = EndpointSliceTranslator.backends(slices);
    assertThat(backends).extracting(Backend::name).containsExactly("web-1", "web-2");
    assertThat(backends)
        .extracting(b -> b.address().getHostAddress())
        .containsExactly("10.0.0.1", "10.0.0.2");
  }

  @Test
  void aDualStackPodIsOneBackendAtTheServicesPrimaryFamily() {
    List<EndpointSlice> slices =
        List.of(
            slice("web-v4", "IPv4", Map.of("web", 8080), "web-1", "10.0.0.1"),
            slice("web-v6", "IPv6", Map.of("web", 8080), "web-1", "fd00::1", "web-2", "fd00::2"));
    String family =
        EndpointSliceTranslator.preferredFamily(
            service(new IntOrString(8080), List.of("IPv6", "IPv4")));
    assertThat(family).isEqualTo("IPv6");
    List<Backend> backends = EndpointSliceTranslator.backends(slices, family);
    assertThat(backends)
        .extracting(b -> b.name() + " " + b.address().getHostAddress())
        .containsExactly("web-1 fd00:0:0:0:0:0:0:1", "web-2 fd00:0:0:0:0:0:0:2");
    // IPv4 first, or no families (a Service the API server has not defaulted): IPv4. A pod only
    // the other family's slice lists yet keeps that address rather than vanishing.
    assertThat(
            EndpointSliceTranslator.preferredFamily(
                service(new IntOrString(8080), List.of("IPv4", "IPv6"))))
        .isEqualTo("IPv4");
    assertThat(EndpointSliceTranslator.preferredFamily(service(new IntOrString(8080), List.of())))
        .isEqualTo("IPv4");
    assertThat(EndpointSliceTranslator.backends(slices, "IPv4"))
        .extracting(b -> b.name() + " " + b.address().getHostAddress())
        .containsExactly("web-1 10.0.0.1", "web-2 fd00:0:0:0:0:0:0:2");
  }
}
