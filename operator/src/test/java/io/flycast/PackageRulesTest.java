package io.flycast;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The data-plane packages read routes and backends from the catalog only: they must not depend on
 * Kubernetes types, which keeps them testable and benchmarkable on their own.
 */
class PackageRulesTest {
  @ParameterizedTest
  @ValueSource(strings = {"catalog", "proxy", "dns", "health", "network", "peers"})
  void noKubernetesImports(String pkg) throws IOException {
    Path sources = Path.of("src", "main", "java", "io", "flycast", pkg);
    assertThat(sources).as("run from the operator module").isDirectory();
    try (Stream<Path> files = Files.walk(sources)) {
      List<Path> java = files.filter(f -> f.toString().endsWith(".java")).toList();
      assertThat(java).isNotEmpty();
      for (Path f : java) {
        assertThat(Files.readAllLines(f))
            .as(f.toString())
            .noneMatch(
                l ->
                    l.startsWith("import io.fabric8")
                        || l.startsWith("import io.javaoperatorsdk")
                        || l.startsWith("import io.kubernetes"));
      }
    }
  }
}
