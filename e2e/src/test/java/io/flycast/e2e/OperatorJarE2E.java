package io.flycast.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * The operator's jar is what the image ships: the stand-in cluster of embedded mode (the mock API
 * server and its Vert.x stack, the local runtime, the echo backend) is not in it, and its entry
 * point refuses --embedded with a clear error, while the developer's jar has both.
 */
class OperatorJarE2E {
  @Test
  void theOperatorsJarCarriesNoStandInCluster() throws Exception {
    try (ZipFile jar = new ZipFile(FlycastProcess.operatorJar().toFile())) {
      List<String> standIn =
          jar.stream()
              .map(ZipEntry::getName)
              .filter(
                  n ->
                      n.startsWith("io/flycast/embedded/")
                          || n.startsWith("io/flycast/local/")
                          || n.startsWith("io/fabric8/mockwebserver/")
                          || n.startsWith("io/fabric8/kubernetes/client/server/mock/")
                          || n.startsWith("io/vertx/"))
              .toList();
      assertThat(standIn).isEmpty();
      assertThat(jar.getEntry("io/flycast/Main.class")).isNotNull();
    }
    try (ZipFile jar = new ZipFile(FlycastProcess.jar().toFile())) {
      assertThat(jar.getEntry("io/flycast/embedded/EmbeddedApiServer.class")).isNotNull();
    }
  }

  @Test
  void theOperatorsEntryPointRefusesEmbeddedModeInOneLine() throws Exception {
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                FlycastProcess.operatorJar().toString(),
                "--embedded")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isEqualTo(2);
    assertThat(out).contains("Unknown option: '--embedded'").doesNotContain("\tat ");
  }
}
