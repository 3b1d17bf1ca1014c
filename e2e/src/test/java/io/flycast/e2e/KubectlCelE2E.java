package io.flycast.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.embedded.EmbeddedApiServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ExposedService CRD's CEL rules ({@code x-kubernetes-validations}) as the real kubectl meets
 * them on the embedded API: what breaks one is refused (422) with the field and the rule's message,
 * on create and on update; what keeps them is stored.
 */
class KubectlCelE2E {
  private static EmbeddedApiServer api;
  private static Kubectl kubectl;

  @BeforeAll
  static void start() throws IOException {
    Path dir = Files.createTempDirectory("flycast-kubectl-cel");
    api = new EmbeddedApiServer().start(0);
    kubectl = new Kubectl(api, dir);
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
  }

  private static Kubectl.Out apply(String name, String spec) throws Exception {
    String yaml =
        """
        apiVersion: fly.io/v1alpha1
        kind: ExposedService
        metadata: {name: NAME}
        spec:
          selector: {app: web}
          internalPort: 8080
        """
                .replace("NAME", name)
            + spec.indent(2);
    return kubectl.run("apply", "-f", kubectl.file(name + ".yaml", yaml).toString());
  }

  @Test
  void hardLimitBelowSoftLimitIsRefusedNamingTheField() throws Exception {
    Kubectl.Out out =
        apply(
            "limits",
            """
            ports: [{port: 80, handlers: [http]}]
            concurrency: {softLimit: 50, hardLimit: 10}
            """);
    assertThat(out.exit()).isNotZero();
    assertThat(out.stderr())
        .contains("The ExposedService \"limits\" is invalid")
        .contains(
            "spec.concurrency: Invalid value: \"object\": hardLimit must be greater than or equal"
                + " to softLimit");
    assertThat(kubectl.run("get", "exsvc", "limits").exit()).isNotZero();
  }

  @Test
  void forceHttpsWithoutTheHttpHandlerIsRefusedNamingThePort() throws Exception {
    Kubectl.Out out =
        apply(
            "redirect",
            """
            ports:
            - {port: 80, handlers: [http]}
            - {port: 443, handlers: [tls], forceHttps: true}
            """);
    assertThat(out.exit()).isNotZero();
    assertThat(out.stderr())
        .contains(
            "spec.ports[1]: Invalid value: \"object\": forceHttps requires the http handler on the"
                + " same port");
  }

  @Test
  void aValidObjectIsStoredAndAnUpdateThatBreaksARuleIsRefused() throws Exception {
    apply(
            "valid",
            """
            ports: [{port: 80, handlers: [http], forceHttps: true}]
            concurrency: {softLimit: 20, hardLimit: 25}
            """)
        .ok();
    assertThat(
            kubectl
                .run("get", "exsvc", "valid", "-o", "jsonpath={.spec.concurrency.hardLimit}")
                .ok()
                .stdout())
        .isEqualTo("25");
    Kubectl.Out update =
        apply(
            "valid",
            """
            ports: [{port: 80, handlers: [http], forceHttps: true}]
            concurrency: {softLimit: 20, hardLimit: 5}
            """);
    assertThat(update.exit()).isNotZero();
    assertThat(update.stderr()).contains("spec.concurrency: Invalid value: \"object\": hardLimit");
    assertThat(
            kubectl
                .run("get", "exsvc", "valid", "-o", "jsonpath={.spec.concurrency.hardLimit}")
                .ok()
                .stdout())
        .isEqualTo("25");
  }

  /** A rule that does not compile is the CRD's error: the CRD is refused, naming the rule. */
  @Test
  void aCrdWhoseRuleDoesNotCompileIsRefused() throws Exception {
    String crd =
        """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: widgets.example.com}
        spec:
          group: example.com
          scope: Namespaced
          names: {plural: widgets, singular: widget, kind: Widget}
          versions:
          - name: v1
            served: true
            storage: true
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    properties:
                      size: {type: integer}
                    x-kubernetes-validations:
                    - rule: "self.size >"
                      message: never compiles
        """;
    Kubectl.Out out = kubectl.run("apply", "-f", kubectl.file("widgets.yaml", crd).toString());
    assertThat(out.exit()).isNotZero();
    assertThat(out.stderr())
        .contains(
            "spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0]"
                + ".rule: Invalid value: \"self.size >\": compilation failed");
    assertThat(
            api.client()
                .apiextensions()
                .v1()
                .customResourceDefinitions()
                .withName("widgets.example.com")
                .get())
        .isNull();
  }
}
