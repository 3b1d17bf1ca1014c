package io.flycast.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The CRDs in {@code crds/} are generated from the Java model and checked in, so users can {@code
 * kubectl apply} them. This fails the build when the model changed and nobody ran {@code make
 * manifests}.
 */
class CrdDriftTest {
  @Test
  void checkedInCrdsMatchTheModel() throws Exception {
    Path crdDir = Path.of(System.getProperty("flycast.crdDir", "../crds"));
    Path generated = Path.of("target/classes/META-INF/fabric8");
    for (String f : List.of("exposedservices.fly.io-v1.yml", "flycastips.fly.io-v1.yml")) {
      assertThat(Files.readString(crdDir.resolve(f)))
          .as(
              "crds/%s is out of date with the Java model: run `make manifests` and commit the"
                  + " result",
              f)
          .isEqualTo(Files.readString(generated.resolve(f)));
    }
  }
}
