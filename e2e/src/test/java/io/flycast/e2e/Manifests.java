package io.flycast.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** The objects of one {@code helm template} run, parsed into Fabric8 model types. */
final class Manifests {
  private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");

  private final List<HasMetadata> objects;

  private Manifests(List<HasMetadata> objects) {
    this.objects = objects;
  }

  static Manifests parse(String yaml) {
    List<HasMetadata> objects =
        DOCUMENT_SEPARATOR
            .splitAsStream(yaml)
            .filter(Manifests::hasContent)
            .map(doc -> Serialization.unmarshal(doc, HasMetadata.class))
            .toList();
    return new Manifests(objects);
  }

  /** Each rendered document as a plain map (for comparisons that must not go through a model). */
  static List<Map<String, Object>> parseMaps(String yaml) {
    return DOCUMENT_SEPARATOR
        .splitAsStream(yaml)
        .filter(Manifests::hasContent)
        .map(
            doc -> {
              @SuppressWarnings("unchecked")
              Map<String, Object> map = Serialization.unmarshal(doc, Map.class);
              return map;
            })
        .toList();
  }

  private static boolean hasContent(String doc) {
    return doc.lines().map(String::strip).anyMatch(l -> !l.isEmpty() && !l.startsWith("#"));
  }

  List<HasMetadata> all() {
    return objects;
  }

  <T extends HasMetadata> List<T> ofType(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  List<HasMetadata> ofKind(String kind) {
    return objects.stream().filter(o -> kind.equals(o.getKind())).toList();
  }

  <T extends HasMetadata> T single(Class<T> type) {
    List<T> found = ofType(type);
    assertThat(found).as("rendered %s objects", type.getSimpleName()).hasSize(1);
    return found.get(0);
  }

  <T extends HasMetadata> Optional<T> named(Class<T> type, String name) {
    return ofType(type).stream().filter(o -> name.equals(o.getMetadata().getName())).findFirst();
  }
}
