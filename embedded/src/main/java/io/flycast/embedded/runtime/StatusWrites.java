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
   * Edits the status through the status subresource when the API has one, else the whole object;
   * nothing when the object is gone, a warning when both fail.
   */
  static <T extends HasMetadata> void edit(
      Resource<T> resource, UnaryOperator<T> edit, String what) {
    try {
      if (resource.get() == null) {
        return;
      }
      resource.editStatus(edit);
    } catch (KubernetesClientException e) {
      try {
        resource.edit(edit);
      } catch (KubernetesClientException e2) {
        log.warn("could not update the status of {}: {}", what, e2.getMessage());
      }
    }
  }
}
