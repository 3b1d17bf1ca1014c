package io.flycast.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * What a real API server enforces at `kubectl apply`, from the checked-in CRD: enums, minimums,
 * required fields and the CEL rules the types cannot express (forceHttps only with http).
 */
class CrdSchemaTest {
  static JSONSchemaProps spec() throws Exception {
    Path crdDir = Path.of(System.getProperty("flycast.crdDir", "../crds"));
    CustomResourceDefinition crd =
        Serialization.unmarshal(
            Files.readString(crdDir.resolve("exposedservices.fly.io-v1.yml")),
            CustomResourceDefinition.class);
    assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("exsvc");
    assertThat(crd.getSpec().getVersions().get(0).getSubresources().getStatus()).isNotNull();
    return crd.getSpec()
        .getVersions()
        .get(0)
        .getSchema()
        .getOpenAPIV3Schema()
        .getProperties()
        .get("spec");
  }

  @Test
  void requiredFieldsEnumsAndMinimums() throws Exception {
    JSONSchemaProps spec = spec();
    assertThat(spec.getRequired()).contains("selector", "internalPort", "ports");
    JSONSchemaProps port = spec.getProperties().get("ports").getItems().getSchema();
    assertThat(port.getRequired()).contains("port");
    assertThat(port.getProperties().get("port").getMinimum()).isEqualTo(1.0);
    assertThat(port.getProperties().get("port").getMaximum()).isEqualTo(65535.0);
    assertThat(port.getProperties().get("handlers").getItems().getSchema().getEnum())
        .extracting(Object::toString)
        .containsExactlyInAnyOrder("\"tls\"", "\"http\"", "\"proxy_proto\"", "\"pg_tls\"");
    assertThat(spec.getProperties().get("autoStopMachines").getEnum())
        .extracting(Object::toString)
        .containsExactlyInAnyOrder("\"off\"", "\"stop\"", "\"suspend\"");
    assertThat(
            spec.getProperties().get("concurrency").getProperties().get("softLimit").getMinimum())
        .isEqualTo(1.0);
    assertThat(spec.getProperties().get("minMachinesRunning").getMinimum()).isEqualTo(0.0);
  }

  @Test
  void celRulesCoverWhatTypesCannot() throws Exception {
    JSONSchemaProps port = spec().getProperties().get("ports").getItems().getSchema();
    assertThat(port.getXKubernetesValidations())
        .anySatisfy(
            v -> {
              assertThat(v.getRule()).contains("forceHttps", "'http'");
              assertThat(v.getMessage())
                  .isEqualTo("forceHttps requires the http handler on the same port");
            })
        .anySatisfy(v -> assertThat(v.getRule()).contains("tlsOptions", "'tls'", "'pg_tls'"));
    assertThat(spec().getProperties().get("concurrency").getXKubernetesValidations())
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.getRule()).contains("self.hardLimit >= self.softLimit");
              assertThat(v.getMessage())
                  .isEqualTo("hardLimit must be greater than or equal to softLimit");
            });
  }
}
