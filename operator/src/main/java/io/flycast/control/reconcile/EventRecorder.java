package io.flycast.control.reconcile;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records Kubernetes Events on objects, so {@code kubectl describe} says what Flycast did or what
 * to fix. The same event for the same object is recorded at most once per {@link #REPEAT_AFTER}
 * (reconciles repeat; a user's event list should not).
 */
public final class EventRecorder {
  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
  public static final String COMPONENT = "flycast";
  static final Duration REPEAT_AFTER = Duration.ofMinutes(10);

  private final KubernetesClient client;
  private final Clock clock;
  private final Map<String, Instant> recent = new ConcurrentHashMap<>();

  public EventRecorder(KubernetesClient client) {
    this(client, Clock.systemUTC());
  }

  EventRecorder(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  public void normal(HasMetadata obj, String reason, String message) {
    record(obj, "Normal", reason, message);
  }

  public void warning(HasMetadata obj, String reason, String message) {
    record(obj, "Warning", reason, message);
  }

  private void record(HasMetadata obj, String type, String reason, String message) {
    var meta = obj.getMetadata();
    String memo = meta.getUid() + "|" + reason + "|" + message;
    Instant now = clock.instant();
    Instant last = recent.get(memo);
    if (last != null && last.plus(REPEAT_AFTER).isAfter(now)) {
      return;
    }
    recent.put(memo, now);
    if (recent.size() > 10_000) {
      recent.entrySet().removeIf(e -> e.getValue().plus(REPEAT_AFTER).isBefore(now));
    }
    String ts = now.toString();
    var event =
        new EventBuilder()
            .withNewMetadata()
            .withName(
                meta.getName()
                    + "."
                    + UUID.randomUUID().toString().substring(0, 13).replace("-", ""))
            .withNamespace(meta.getNamespace() == null ? "default" : meta.getNamespace())
            .endMetadata()
            .withInvolvedObject(
                new ObjectReferenceBuilder()
                    .withApiVersion(obj.getApiVersion())
                    .withKind(obj.getKind())
                    .withName(meta.getName())
                    .withNamespace(meta.getNamespace())
                    .withUid(meta.getUid())
                    .withResourceVersion(meta.getResourceVersion())
                    .build())
            .withType(type)
            .withReason(reason)
            .withMessage(message)
            .withFirstTimestamp(ts)
            .withLastTimestamp(ts)
            .withCount(1)
            .withNewSource()
            .withComponent(COMPONENT)
            .endSource()
            .withReportingComponent(COMPONENT)
            .build();
    try {
      client.v1().events().inNamespace(event.getMetadata().getNamespace()).resource(event).create();
    } catch (RuntimeException e) {
      // An Event is advice; failing to record one must not fail the reconcile.
      log.debug("cannot record event {} on {}: {}", reason, meta.getName(), e.toString());
    }
  }
}
