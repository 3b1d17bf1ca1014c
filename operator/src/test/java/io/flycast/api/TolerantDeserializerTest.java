package io.flycast.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

/** An ExposedService is always read: what the model cannot read is left out and said. */
class TolerantDeserializerTest {
  static final KubernetesSerialization JSON = new KubernetesSerialization();

  static ExposedService read(String spec) {
    return JSON.unmarshal(
        """
        apiVersion: fly.io/v1alpha1
        kind: ExposedService
        metadata: {name: web, namespace: shop}
        spec:
        """
            + spec.indent(2),
        ExposedService.class);
  }

  @Test
  void aCleanSpecIsReadAsWrittenWithNothingToSay() {
    ExposedService es =
        read(
            """
            selector: {app: web}
            internalPort: 8080
            autoStopMachines: stop
            ports: [{port: 443, handlers: [tls, http], tlsOptions: {secretName: web-tls, versions: [TLSv1.3]}}]
            """);
    assertThat(es.getSpec().unreadable()).isEmpty();
    assertThat(es.getSpec().internalPort).isEqualTo(8080);
    assertThat(es.getSpec().autoStopMachines).isEqualTo(AutoStopMode.STOP);
    assertThat(es.getSpec().ports.get(0).handlers)
        .containsExactly(HandlerName.TLS, HandlerName.HTTP);
    assertThat(es.getSpec().ports.get(0).tlsOptions.versions).containsExactly(TlsVersion.TLS_1_3);
  }

  @Test
  void everyUnreadableValueIsLeftOutAndSaidWithItsPathInTheOrderWritten() {
    ExposedService es =
        read(
            """
            selector: {app: web, app.kubernetes.io/part-of: {a: b}}
            internalPort: 99999999999
            autoStopMachines: sometimes
            ports:
            - {port: eighty, handlers: [http]}
            - {port: 81, handlers: [htttp, http, 7]}
            - {port: 82, handlers: http}
            - {port: 83, forceHttps: maybe, tlsOptions: {secretName: [x]}}
            concurrency: {type: bananas, softLimit: 5}
            checks: [{type: grpc}, {type: tcp, interval: 5s}]
            shiny: true
            """);
    var s = es.getSpec();
    assertThat(s.unreadable())
        .containsExactly(
            "spec.selector['app.kubernetes.io/part-of']: an object is not a string; ignored",
            "spec.internalPort: 99999999999 is out of range for an integer; ignored",
            "spec.autoStopMachines: 'sometimes' is not one of off, stop, suspend; ignored",
            "spec.ports[0].port: 'eighty' is not an integer; ignored",
            "spec.ports[1].handlers[0]: 'htttp' is not one of tls, http, proxy_proto, pg_tls;"
                + " ignored",
            "spec.ports[1].handlers[2]: 7 is not one of tls, http, proxy_proto, pg_tls; ignored",
            "spec.ports[2].handlers: 'http' is not a list; ignored",
            "spec.ports[3].forceHttps: 'maybe' is not true or false; ignored",
            "spec.ports[3].tlsOptions.secretName: a list is not a string; ignored",
            "spec.concurrency.type: 'bananas' is not one of connections, requests; ignored",
            "spec.checks[0].type: 'grpc' is not one of tcp, http; ignored",
            "spec.shiny: not a field this version of Flycast knows; ignored");
    // Left out as if unset; in lists the other entries keep their places.
    assertThat(s.selector)
        .containsEntry("app", "web")
        .doesNotContainKey("app.kubernetes.io/part-of");
    assertThat(s.internalPort).isNull();
    assertThat(s.autoStopMachines).isNull();
    assertThat(s.ports).hasSize(4);
    assertThat(s.ports.get(0).port).isNull();
    assertThat(s.ports.get(0).handlers).containsExactly(HandlerName.HTTP);
    assertThat(s.ports.get(1).handlers).containsExactly(null, HandlerName.HTTP, null);
    assertThat(s.ports.get(2).port).isEqualTo(82);
    assertThat(s.ports.get(3).tlsOptions.secretName).isNull();
    assertThat(s.concurrency.softLimit).isEqualTo(5);
    assertThat(s.checks).hasSize(2);
    assertThat(s.checks.get(1).interval).isEqualTo("5s");
  }

  @Test
  void aSpecThatIsNoObjectIsAnEmptySpecWithTheReason() {
    ExposedService es = read("just text\n");
    assertThat(es.getSpec().unreadable())
        .containsExactly("spec: 'just text' is not an object; ignored");
    assertThat(es.getSpec().ports).isEmpty();
  }

  @Test
  void theInformersPathFromAGenericObjectReadsTheSameWay() {
    GenericKubernetesResource generic =
        JSON.unmarshal(
            """
            apiVersion: fly.io/v1alpha1
            kind: ExposedService
            metadata: {name: web, namespace: shop}
            spec: {selector: {app: web}, internalPort: 8080, ports: [{port: 80, handlers: [htttp]}]}
            status: {address: [1, 2], conditions: [{type: Valid, status: "True"}, 5], machines: {running: many}}
            """,
            GenericKubernetesResource.class);
    ExposedService es = JSON.convertValue(generic, ExposedService.class);
    assertThat(es.getSpec().unreadable())
        .containsExactly(
            "spec.ports[0].handlers[0]: 'htttp' is not one of tls, http, proxy_proto, pg_tls;"
                + " ignored");
    // Flycast writes the status afresh: what it cannot read there is simply not there.
    assertThat(es.getStatus().address).isNull();
    assertThat(es.getStatus().conditions).hasSize(2);
    assertThat(es.getStatus().conditions.get(0).getType()).isEqualTo("Valid");
    assertThat(es.getStatus().machines.running).isNull();
  }

  @Test
  void aSpecMadeInCodeHasNothingToSay() {
    assertThat(new ExposedServiceSpec().unreadable()).isEmpty();
  }
}
