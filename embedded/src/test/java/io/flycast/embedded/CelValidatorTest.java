package io.flycast.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.flycast.embedded.ApiStatus.Cause;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CEL rules of the real ExposedService CRD (the one {@code crds/} holds and a cluster gets),
 * evaluated after defaulting as the API server does, with its answers' field paths and messages.
 */
class CelValidatorTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static JsonNode crd;
  private static JsonNode schema;
  private final CelValidator cel = new CelValidator(new CelRules());

  @BeforeAll
  static void readCrd() throws Exception {
    try (InputStream in =
        CelValidatorTest.class
            .getClassLoader()
            .getResourceAsStream("io/flycast/embedded/crds/exposedservices.fly.io-v1.yml")) {
      crd = YAML.readTree(in);
    }
    schema = crd.path("spec").path("versions").get(0).path("schema").path("openAPIV3Schema");
  }

  /** Defaults, the schema check, then the rules: what a create of {@code yaml} is told. */
  private List<Cause> create(String yaml) throws Exception {
    ObjectNode object = (ObjectNode) YAML.readTree(yaml);
    List<Cause> structural = SchemaValidator.check(object, schema).causes();
    return cel.check(schema, object, null, structural);
  }

  private static String exposed(String spec) {
    return """
    apiVersion: fly.io/v1alpha1
    kind: ExposedService
    metadata: {name: web}
    spec:
      selector: {app: web}
      internalPort: 8080
    """
        + spec.indent(2);
  }

  @Test
  void aValidExposedServicePasses() throws Exception {
    assertThat(
            create(
                exposed(
                    """
                    ports:
                    - {port: 80, handlers: [http], forceHttps: true}
                    - {port: 443, handlers: [tls, http], tlsOptions: {secretName: cert}}
                    concurrency: {softLimit: 20, hardLimit: 25}
                    maxMachinesRunning: 3
                    """)))
        .isEmpty();
  }

  @Test
  void forceHttpsWithoutTheHttpHandlerNamesThePort() throws Exception {
    assertThat(
            create(
                exposed(
                    """
                    ports:
                    - {port: 80, handlers: [http]}
                    - {port: 8080, handlers: [tls], forceHttps: true}
                    """)))
        .containsExactly(
            new Cause(
                "FieldValueInvalid",
                "spec.ports[1]",
                "Invalid value: \"object\": forceHttps requires the http handler on the same"
                    + " port"));
  }

  @Test
  void hardLimitBelowSoftLimitIsRefused() throws Exception {
    assertThat(
            create(
                exposed(
                    """
                    ports: [{port: 80, handlers: [http]}]
                    concurrency: {softLimit: 50, hardLimit: 10}
                    """)))
        .containsExactly(
            new Cause(
                "FieldValueInvalid",
                "spec.concurrency",
                "Invalid value: \"object\": hardLimit must be greater than or equal to softLimit"));
  }

  /** softLimit's schema default (20) is applied first: a hardLimit of 5 alone is below it. */
  @Test
  void rulesSeeTheDefaultedObject() throws Exception {
    assertThat(
            create(
                exposed(
                    """
                    ports: [{port: 80, handlers: [http]}]
                    concurrency: {hardLimit: 5}
                    """)))
        .extracting(Cause::field)
        .containsExactly("spec.concurrency");
  }

  @Test
  void maxMachinesRunningBelowTheMinimumBreaksTheSpecRule() throws Exception {
    assertThat(
            create(
                exposed(
                    """
                    ports: [{port: 80, handlers: [http]}]
                    minMachinesRunning: 3
                    maxMachinesRunning: 2
                    """)))
        .extracting(Cause::field, Cause::message)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "spec",
                "Invalid value: \"object\": maxMachinesRunning must be 0 (unset) or at least"
                    + " minMachinesRunning"));
  }

  /** A wrong type stops the rules, as the real server reports. */
  @Test
  void aTypeErrorLeavesTheRulesUnchecked() throws Exception {
    assertThat(
            create(
                exposed(
                    """
                    ports: [{port: 80, handlers: [tls], forceHttps: true}]
                    internalPort: eighty
                    """)))
        .extracting(Cause::message)
        .containsExactly(CelValidator.NOT_CHECKED);
  }

  /** The CRD installed at start compiles; a broken rule is named as the CRD's error. */
  @Test
  void ruleThatDoesNotCompileIsACrdError() throws Exception {
    assertThat(cel.compileErrors(crd)).isEmpty();
    ObjectNode broken = crd.deepCopy();
    ObjectNode concurrency =
        (ObjectNode)
            broken.at(
                "/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/concurrency");
    concurrency
        .withArray("x-kubernetes-validations")
        .addObject()
        .put("rule", "self.hardLimit >=")
        .put("message", "m");
    List<Cause> errors = cel.compileErrors(broken);
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0).field())
        .isEqualTo(
            "spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[concurrency]"
                + ".x-kubernetes-validations[1].rule");
    assertThat(errors.get(0).message()).contains("compilation failed").contains("mismatched input");
  }

  /** Transition rules read oldSelf on an update only; messageExpression writes the message. */
  @Test
  void transitionRulesAndMessageExpressions() throws Exception {
    JsonNode s =
        YAML.readTree(
            """
            type: object
            properties:
              size:
                type: integer
                x-kubernetes-validations:
                - rule: self >= oldSelf
                  messageExpression: "'may not shrink from ' + string(oldSelf)"
              name:
                type: string
                x-kubernetes-validations:
                - rule: self.startsWith('web-') && size(self) <= 10
            """);
    JsonNode v1 = YAML.readTree("{size: 5, name: web-a}");
    JsonNode v2 = YAML.readTree("{size: 3, name: db}");
    assertThat(cel.check(s, v1, null, List.of())).isEmpty();
    assertThat(cel.check(s, v2, v1, List.of()))
        .containsExactly(
            new Cause(
                "FieldValueInvalid", "size", "Invalid value: \"integer\": may not shrink from 5"),
            new Cause(
                "FieldValueInvalid",
                "name",
                "Invalid value: \"string\": failed rule: self.startsWith('web-') && size(self) <="
                    + " 10"));
  }
}
