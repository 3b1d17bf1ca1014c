package io.flycast.embedded.runtime;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Status writes, as controllers make them, against an API that may or may not have a status
 * subresource.
 */
final class StatusWrites {
  private static final Logger log = LoggerFactory.getLogger(StatusWrites.class);

  private StatusWrites() {}

  /**
   * How often a status write is made again from a fresh read when another write came between the
   * read and the write (a scale, a label, another controller's status): client-go's
   * RetryOnConflict, which every controller wraps its status writes in.
   */
  private static final int CONFLICT_ATTEMPTS = 5;

  /**
   * Edits the status through the status subresource when the API has one, else the whole object;
   * nothing when the object is gone, a warning when both fail. A conflict is met by reading the
   * object again and editing that.
   */
  static <T extends HasMetadata> void edit(
      Resource<T> resource, UnaryOperator<T> edit, String what) {
    for (int attempt = 1; ; attempt++) {
      try {
        if (resource.get() == null) {
          return;
        }
        resource.editStatus(edit);
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 409) {
          if (attempt < CONFLICT_ATTEMPTS) {
            continue;
          }
          log.warn("could not update the status of {}: {}", what, e.getMessage());
          return;
        }
        try {
          resource.edit(edit);
          return;
        } catch (KubernetesClientException e2) {
          if (e2.getCode() == 409 && attempt < CONFLICT_ATTEMPTS) {
            continue;
          }
          log.warn("could not update the status of {}: {}", what, e2.getMessage());
          return;
        }
      }
    }
  }
}
