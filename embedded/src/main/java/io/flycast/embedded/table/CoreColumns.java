package io.flycast.embedded.table;

import static io.flycast.embedded.table.Printer.Column.AGE;
import static io.flycast.embedded.table.Printer.Column.NAME;

import com.fasterxml.jackson.databind.JsonNode;
import io.flycast.embedded.table.Printer.Column;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The API server's tables for the other built-in kinds Flycast users see (Services, Namespaces,
 * Secrets, ConfigMaps, EndpointSlices, Events, ...), after Kubernetes' {@code printers.go}, and the
 * default table of a kind with no printer ({@code rest.DefaultTableConvertor}: NAME, CREATED AT).
 * Where this API stores an object without the server's defaults (a Service's {@code type}, a port's
 * {@code protocol}, a Namespace's phase), the cell shows the default a cluster would have stored.
 */
final class CoreColumns {
  private CoreColumns() {}

  /** rest.DefaultTableConvertor: the name and the RFC 3339 creation time. */
  static final Printer DEFAULT =
      new Printer(
          List.of(NAME, new Column("Created At", "date", "", 0, AGE.description())),
          (o, now) -> {
            String created = o.path("metadata").path("creationTimestamp").asText("");
            return cells(
                name(o),
                created.isEmpty()
                    ? "0001-01-01T00:00:00Z"
                    : DateTimeFormatter.ISO_INSTANT.format(
                        Instant.parse(created)
                            .atOffset(ZoneOffset.UTC)
                            .truncatedTo(ChronoUnit.SECONDS)));
          });

  static final Map<String, Printer> BY_RESOURCE =
      Map.of(
          "services",
          new Printer(
              List.of(
                  NAME,
                  Column.of("Type", "string", "type determines how the Service is exposed."),
                  Column.of("Cluster-IP", "string", "clusterIP is the IP address of the service."),
                  Column.of(
                      "External-IP",
                      "string",
                      "externalIPs is a list of IP addresses for which nodes in the cluster will"
                          + " also accept traffic for this service."),
                  Column.of(
                      "Port(s)", "string", "The list of ports that are exposed by this service."),
                  AGE,
                  Column.wide(
                      "Selector",
                      "Route service traffic to pods with label keys and values matching this"
                          + " selector.")),
              CoreColumns::service),
          "namespaces",
          new Printer(
              List.of(NAME, Column.of("Status", "string", "The status of the namespace"), AGE),
              (o, now) ->
                  cells(name(o), o.path("status").path("phase").asText("Active"), age(o, now))),
          "secrets",
          new Printer(
              List.of(
                  NAME,
                  Column.of(
                      "Type", "string", "Used to facilitate programmatic handling of secret data."),
                  Column.of("Data", "string", "Data contains the secret data."),
                  AGE),
              (o, now) -> {
                Set<String> keys = new LinkedHashSet<>();
                o.path("data").fieldNames().forEachRemaining(keys::add);
                o.path("stringData").fieldNames().forEachRemaining(keys::add);
                return cells(
                    name(o), o.path("type").asText("Opaque"), (long) keys.size(), age(o, now));
              }),
          "configmaps",
          new Printer(
              List.of(
                  NAME, Column.of("Data", "string", "Data contains the configuration data."), AGE),
              (o, now) ->
                  cells(
                      name(o),
                      (long) (o.path("data").size() + o.path("binaryData").size()),
                      age(o, now))),
          "endpointslices",
          new Printer(
              List.of(
                  NAME,
                  Column.of(
                      "AddressType",
                      "string",
                      "addressType specifies the type of address carried by this EndpointSlice."),
                  Column.of(
                      "Ports",
                      "string",
                      "ports specifies the list of network ports exposed by each endpoint in this"
                          + " slice."),
                  Column.of(
                      "Endpoints",
                      "string",
                      "endpoints is a list of unique endpoints in this slice."),
                  AGE),
              (o, now) -> {
                List<String> ports = new ArrayList<>();
                for (JsonNode p : o.path("ports")) {
                  ports.add(
                      p.has("port")
                          ? p.path("port").asText()
                          : p.has("name") ? p.path("name").asText() : "*");
                }
                List<String> addresses = new ArrayList<>();
                o.path("endpoints")
                    .forEach(e -> e.path("addresses").forEach(a -> addresses.add(a.asText())));
                return cells(
                    name(o),
                    o.path("addressType").asText(),
                    firstThree(ports),
                    firstThree(addresses),
                    age(o, now));
              }),
          "events",
          EventColumns.PRINTER,
          "serviceaccounts",
          new Printer(
              List.of(
                  NAME,
                  Column.of(
                      "Secrets",
                      "string",
                      "Secrets is a list of the secrets in the same namespace that pods running"
                          + " using this ServiceAccount are allowed to use."),
                  AGE),
              (o, now) -> cells(name(o), (long) o.path("secrets").size(), age(o, now))),
          "endpoints",
          new Printer(
              List.of(
                  NAME,
                  Column.of(
                      "Endpoints",
                      "string",
                      "The set of all endpoints is the union of all subsets."),
                  AGE),
              (o, now) -> {
                List<String> eps = new ArrayList<>();
                for (JsonNode s : o.path("subsets")) {
                  for (JsonNode a : s.path("addresses")) {
                    if (s.path("ports").isEmpty()) {
                      eps.add(a.path("ip").asText());
                    }
                    s.path("ports")
                        .forEach(
                            p -> eps.add(a.path("ip").asText() + ":" + p.path("port").asText()));
                  }
                }
                return cells(name(o), eps.isEmpty() ? "<none>" : firstThree(eps), age(o, now));
              }),
          "leases",
          new Printer(
              List.of(NAME, Column.of("Holder", "string", "The holder of a lease."), AGE),
              (o, now) ->
                  cells(name(o), o.path("spec").path("holderIdentity").asText(""), age(o, now))));

  private static List<Object> service(JsonNode o, Instant now) {
    JsonNode spec = o.path("spec");
    String type = spec.path("type").asText("ClusterIP");
    String clusterIp =
        spec.path("clusterIPs").size() > 0
            ? spec.path("clusterIPs").get(0).asText()
            : spec.path("clusterIP").asText("<none>");
    List<String> externalIps = new ArrayList<>();
    spec.path("externalIPs").forEach(ip -> externalIps.add(ip.asText()));
    String external =
        switch (type) {
          case "ClusterIP", "NodePort" ->
              externalIps.isEmpty() ? "<none>" : String.join(",", externalIps);
          case "LoadBalancer" -> {
            List<String> all = new ArrayList<>();
            o.path("status")
                .path("loadBalancer")
                .path("ingress")
                .forEach(
                    i ->
                        all.add(i.has("ip") ? i.path("ip").asText() : i.path("hostname").asText()));
            all.addAll(externalIps);
            yield all.isEmpty() ? "<pending>" : String.join(",", all);
          }
          case "ExternalName" -> spec.path("externalName").asText();
          default -> "<unknown>";
        };
    List<String> ports = new ArrayList<>();
    for (JsonNode p : spec.path("ports")) {
      String protocol = p.path("protocol").asText("TCP");
      ports.add(
          p.path("nodePort").asInt() > 0
              ? p.path("port").asInt() + ":" + p.path("nodePort").asInt() + "/" + protocol
              : p.path("port").asInt() + "/" + protocol);
    }
    return cells(
        name(o),
        type,
        clusterIp.isEmpty() ? "<none>" : clusterIp,
        external,
        ports.isEmpty() ? "<none>" : String.join(",", ports),
        age(o, now),
        Cells.labels(spec.path("selector")));
  }

  /** listWithMoreString: the first three, then "+ N more...", {@code <unset>} when empty. */
  private static String firstThree(List<String> items) {
    if (items.isEmpty()) {
      return "<unset>";
    }
    String head = String.join(",", items.subList(0, Math.min(3, items.size())));
    return items.size() > 3 ? head + " + " + (items.size() - 3) + " more..." : head;
  }

  private static String name(JsonNode o) {
    return o.path("metadata").path("name").asText();
  }

  private static String age(JsonNode o, Instant now) {
    return Cells.age(o.path("metadata").get("creationTimestamp"), now);
  }

  private static List<Object> cells(Object... values) {
    return new ArrayList<>(java.util.Arrays.asList(values));
  }
}
