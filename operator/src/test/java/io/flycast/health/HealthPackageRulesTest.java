package io.flycast.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Health checking reads the catalog only: it must not depend on Kubernetes types. */
class HealthPackageRulesTest {
  private static final Path SOURCES = Path.of("src", "main", "java", "io", "flycast", "health");

  @Test
  void noKubernetesImports() throws IOException {
    assertThat(SOURCES).as("run from the operator module").isDirectory();
    try (Stream<Path> files = Files.list(SOURCES)) {
      List<Path> java = files.filter(f -> f.toString().endsWith(".java")).toList();
      assertThat(java).isNotEmpty();
      for (Path f : java) {
        assertThat(Files.readAllLines(f)).as(f.toString()).noneMatch(l -> l.startsWith("import io.fabric8")
            || l.startsWith("import io.javaoperatorsdk") || l.startsWith("import io.kubernetes"));
      }
    }
  }
}
