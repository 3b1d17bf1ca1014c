package io.flycast.embedded;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the YAML manifests of a directory, as {@code kubectl apply -f DIR} would (create or
 * replace).
 */
public final class ManifestApplier {
  private static final Logger log = LoggerFactory.getLogger(ManifestApplier.class);
  private final KubernetesClient client;

  public ManifestApplier(KubernetesClient client) {
    this.client = client;
  }

  /** Applies every .yaml/.yml file, in name order. Returns the objects applied. */
  public List<HasMetadata> applyDirectory(Path dir) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(dir)) {
      files =
          s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
              .sorted()
              .toList();
    }
    List<HasMetadata> applied = new java.util.ArrayList<>();
    for (Path f : files) {
      try (InputStream in = Files.newInputStream(f)) {
        for (HasMetadata o : client.load(in).items()) {
          if (o.getMetadata().getNamespace() == null && isNamespaced(o)) {
            o.getMetadata().setNamespace("default");
          }
          client.resource(o).createOr(existing -> existing.update());
          applied.add(o);
        }
      }
      log.info("applied {}", f);
    }
    return applied;
  }

  /** The cluster-scoped kinds a manifest here may hold; everything else lands in "default". */
  private static final java.util.Set<String> CLUSTER_SCOPED =
      java.util.Set.of(
          "Namespace",
          "FlycastIP",
          "ClusterRole",
          "ClusterRoleBinding",
          "CustomResourceDefinition");

  private static boolean isNamespaced(HasMetadata o) {
    return !CLUSTER_SCOPED.contains(o.getKind());
  }
}
