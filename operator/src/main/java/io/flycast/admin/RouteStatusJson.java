package io.flycast.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Condition;
import io.flycast.api.ExposedService;
import io.flycast.api.ExposedServiceStatus;
import java.util.Collection;
import java.util.Comparator;

/**
 * What the operator last reported on each ExposedService, as the {@code /debug/routes} JSON the
 * status page shows next to the catalog: its conditions (so an invalid spec, which never reaches
 * the catalog, still shows with the translator's message) and its last autostart and autostop.
 * Keyed by {@code namespace/name}, as {@code /debug/stats} is.
 */
public final class RouteStatusJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private RouteStatusJson() {}

  public static String render(Collection<ExposedService> exposed) {
    ObjectNode root = MAPPER.createObjectNode();
    exposed.stream()
        .sorted(
            Comparator.comparing((ExposedService e) -> e.getMetadata().getNamespace())
                .thenComparing(e -> e.getMetadata().getName()))
        .forEach(
            e -> {
              ObjectNode o =
                  root.putObject(e.getMetadata().getNamespace() + "/" + e.getMetadata().getName());
              ExposedServiceStatus s = e.getStatus();
              var conditions = o.putArray("conditions");
              if (s == null) {
                return;
              }
              if (s.conditions != null) {
                for (Condition c : s.conditions) {
                  ObjectNode co = conditions.addObject();
                  co.put("type", c.getType());
                  co.put("status", c.getStatus());
                  co.put("reason", c.getReason());
                  co.put("message", c.getMessage());
                }
              }
              action(o, "lastAutostart", s.lastAutostart);
              action(o, "lastAutostop", s.lastAutostop);
            });
    return root.toString();
  }

  private static void action(ObjectNode o, String field, ExposedServiceStatus.AutoscaleAction a) {
    if (a == null) {
      return;
    }
    ObjectNode ao = o.putObject(field);
    ao.put("time", a.time);
    ao.put("reason", a.reason);
    if (a.replicas != null) {
      ao.put("replicas", a.replicas);
    }
    if (a.backend != null) {
      ao.put("backend", a.backend);
    }
  }
}
