package io.flycast;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The data-plane packages read routes and backends from the catalog only: they must not depend on
 * Kubernetes types, which keeps them testable and benchmarkable on their own. Inside the proxy, the
 * sub-packages follow the data flow and depend only downstream (see io.flycast.proxy's
 * package-info). The control plane's sub-packages follow the control flow the same way (see
 * io.flycast.control's package-info).
 */
class PackageRulesTest {
  private static final Path MAIN = Path.of("src", "main", "java", "io", "flycast");

  /** Checked on the whole text: imports, fully qualified names and javadoc links alike. */
  private static final List<String> KUBERNETES =
      List.of("io.fabric8.", "io.javaoperatorsdk.", "io.kubernetes.");

  @ParameterizedTest
  @ValueSource(strings = {"catalog", "proxy", "dns", "health", "network", "peers"})
  void noKubernetesTypes(String pkg) throws IOException {
    for (Path f : javaFiles(MAIN.resolve(pkg))) {
      String text = Files.readString(f);
      for (String k : KUBERNETES) {
        assertThat(text).as(f.toString()).doesNotContain(k);
      }
    }
  }

  /**
   * The proxy's data flow: which other proxy packages each sub-package may name ("" is the root
   * package io.flycast.proxy: ProxyContext and the shared plumbing). A connection goes pipeline →
   * (tls) → http or tcp → upstream → balance, and dependencies only point that way: the table has
   * no cycle, and a backward import (say upstream naming http, or balance naming anything) fails.
   * The root is used by all but balance, limit and cache and uses them in turn, as it builds them.
   * Every sub-package must have a row.
   */
  private static final Map<String, Set<String>> MAY_USE =
      Map.of(
          "pipeline", Set.of("", "tls", "http", "tcp"),
          "tls", Set.of(""),
          "http", Set.of("", "tls", "tcp", "upstream", "balance", "limit", "cache"),
          "tcp", Set.of("", "upstream", "balance"),
          "upstream", Set.of("", "balance"),
          // pure policy: routes, backends and counts, nothing else of the proxy
          "balance", Set.of(),
          // pure policy too: clocks, keys and buckets; http answers what it decides
          "limit", Set.of(),
          // RFC 9111 rules and stored responses: HTTP messages and buffers, no channel, no route
          // table; http consults it and wires it into the exchange
          "cache", Set.of());

  /** A proxy type named anywhere in the text: io.flycast.proxy.Type or io.flycast.proxy.sub. */
  private static final Pattern PROXY_REF =
      Pattern.compile("\\bio\\.flycast\\.proxy\\.(?:([a-z]\\w*)\\.|[A-Z])");

  @Test
  void everyProxySubPackageHasRules() throws IOException {
    try (Stream<Path> dirs = Files.list(MAIN.resolve("proxy"))) {
      Set<String> subs = new TreeSet<>();
      dirs.filter(Files::isDirectory).forEach(d -> subs.add(d.getFileName().toString()));
      assertThat(subs).isEqualTo(new TreeSet<>(MAY_USE.keySet()));
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"pipeline", "tls", "http", "tcp", "upstream", "balance", "limit", "cache"})
  void proxyDataFlow(String sub) throws IOException {
    Set<String> allowed = MAY_USE.get(sub);
    for (Path f : javaFiles(MAIN.resolve("proxy").resolve(sub))) {
      Matcher m = PROXY_REF.matcher(Files.readString(f));
      while (m.find()) {
        String used = m.group(1) == null ? "" : m.group(1);
        if (!used.equals(sub)) {
          assertThat(allowed)
              .as("%s uses io.flycast.proxy%s", f, used.isEmpty() ? "" : "." + used)
              .contains(used);
        }
      }
    }
  }

  /**
   * The control plane's stages: which other control packages each sub-package may name ("" is the
   * root package io.flycast.control: the shared annotation names). Objects are watched, translated
   * and reconciled: translate is pure and names no other stage, watch applies translations, and
   * reconcile reads the caches and the translators and asks the leader stage whether to act. Leader
   * election is about the replicas, not the objects, and names nothing of the control plane. The
   * table has no cycle; every sub-package must have a row.
   */
  private static final Map<String, Set<String>> CONTROL_MAY_USE =
      Map.of(
          "translate", Set.of(""),
          "watch", Set.of("", "translate"),
          "reconcile", Set.of("", "watch", "translate", "leader"),
          "leader", Set.of());

  /**
   * A control type named anywhere in the text: io.flycast.control.Type or io.flycast.control.sub.
   */
  private static final Pattern CONTROL_REF =
      Pattern.compile("\\bio\\.flycast\\.control\\.(?:([a-z]\\w*)\\.|[A-Z])");

  @Test
  void everyControlSubPackageHasRules() throws IOException {
    try (Stream<Path> dirs = Files.list(MAIN.resolve("control"))) {
      Set<String> subs = new TreeSet<>();
      dirs.filter(Files::isDirectory).forEach(d -> subs.add(d.getFileName().toString()));
      assertThat(subs).isEqualTo(new TreeSet<>(CONTROL_MAY_USE.keySet()));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"watch", "translate", "reconcile", "leader"})
  void controlFlow(String sub) throws IOException {
    Set<String> allowed = CONTROL_MAY_USE.get(sub);
    for (Path f : javaFiles(MAIN.resolve("control").resolve(sub))) {
      Matcher m = CONTROL_REF.matcher(Files.readString(f));
      while (m.find()) {
        String used = m.group(1) == null ? "" : m.group(1);
        if (!used.equals(sub)) {
          assertThat(allowed)
              .as("%s uses io.flycast.control%s", f, used.isEmpty() ? "" : "." + used)
              .contains(used);
        }
      }
    }
  }

  /**
   * The allocator and its repair loop, like Kubernetes' ipallocator and its repair controller, know
   * the address objects (and the informer plumbing that caches them) and nothing of who holds them
   * but what {@code AddressHolders} answers: no control-plane stage, no catalog, no data plane.
   */
  @Test
  void allocationNamesOnlyTheModel() throws IOException {
    Pattern flycast = Pattern.compile("io\\.flycast\\.([a-z]+)");
    for (Path f : javaFiles(MAIN.resolve("allocation"))) {
      Matcher m = flycast.matcher(Files.readString(f));
      while (m.find()) {
        assertThat(m.group(1))
            .as("%s uses io.flycast.%s", f, m.group(1))
            .isIn("allocation", "api", "informer");
      }
    }
  }

  private static List<Path> javaFiles(Path sources) throws IOException {
    assertThat(sources).as("run from the operator module").isDirectory();
    try (Stream<Path> files = Files.walk(sources)) {
      List<Path> java = files.filter(f -> f.toString().endsWith(".java")).toList();
      assertThat(java).isNotEmpty();
      return java;
    }
  }
}
