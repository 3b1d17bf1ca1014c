package io.flycast.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flycast.catalog.Backend;
import io.flycast.catalog.CacheSettings;
import io.flycast.catalog.Catalog;
import io.flycast.catalog.HealthCheck;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.Route;
import java.util.Comparator;
import java.util.Locale;

/** Renders a catalog snapshot as the {@code /debug/catalog} JSON document. */
public final class CatalogJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private CatalogJson() {}

  public static String render(Catalog catalog) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("version", catalog.version());
    ArrayNode routes = root.putArray("routes");
    catalog.routes().stream()
        .sorted(Comparator.comparing(Route::key))
        .forEach(
            r -> {
              ObjectNode o = routes.addObject();
              o.put("namespace", r.key().namespace());
              o.put("name", r.key().name());
              o.put("address", r.spec().address().getHostAddress());
              o.put("specVersion", r.specVersion());
              o.put("private", r.spec().isPrivate());
              o.put("network", r.spec().network());
              ArrayNode hosts = o.putArray("hostnames");
              r.spec().allHostnames().forEach(hosts::add);
              ArrayNode ports = o.putArray("ports");
              for (PortSpec p : r.spec().ports()) {
                ObjectNode po = ports.addObject();
                po.put("port", p.port());
                po.put("targetPort", p.targetPort());
                ArrayNode hs = po.putArray("handlers");
                p.handlers().stream().map(h -> h.wireName()).sorted().forEach(hs::add);
                po.put("forceHttps", p.forceHttps());
              }
              var c = r.spec().concurrency();
              ObjectNode co = o.putObject("concurrency");
              co.put("type", c.type().name().toLowerCase(Locale.ROOT));
              co.put("softLimit", c.softLimit());
              if (c.hasHardLimit()) {
                co.put("hardLimit", c.hardLimit());
              }
              var a = r.spec().autoscale();
              ObjectNode ao = o.putObject("autoscale");
              ao.put("autoStop", a.autostop().name().toLowerCase(Locale.ROOT));
              ao.put("autoStart", a.autostart());
              ao.put("minMachinesRunning", a.minMachinesRunning());
              var limit = r.spec().rateLimit();
              if (limit != null) {
                ObjectNode lo = o.putObject("rateLimit");
                lo.put("rate", limit.rate());
                lo.put("per", limit.per().toSeconds() == 1 ? "second" : "minute");
                lo.put("burst", limit.burst());
                lo.put("key", limit.byClientIp() ? "client-ip" : "header:" + limit.header());
              }
              var cache = r.spec().cache();
              if (cache != null) {
                ObjectNode co2 = o.putObject("cache");
                co2.put("maxSize", CacheSettings.size(cache.maxBytes()));
                co2.put("maxEntrySize", CacheSettings.size(cache.maxEntryBytes()));
              }
              if (!r.spec().checks().isEmpty()) {
                ArrayNode cs = o.putArray("checks");
                for (HealthCheck hc : r.spec().checks()) {
                  ObjectNode ho = cs.addObject();
                  ho.put("type", hc.kind().name().toLowerCase(Locale.ROOT));
                  ho.put("port", hc.port());
                  ho.put("interval", hc.interval().toMillis() + "ms");
                  ho.put("timeout", hc.timeout().toMillis() + "ms");
                  ho.put("gracePeriod", hc.gracePeriod().toMillis() + "ms");
                  if (hc.kind() == HealthCheck.Kind.HTTP) {
                    ho.put("method", hc.method());
                    ho.put("path", hc.path());
                  }
                }
              }
              ArrayNode bs = o.putArray("backends");
              for (Backend b : r.backends()) {
                ObjectNode bo = bs.addObject();
                bo.put("name", b.name());
                bo.put("address", b.address().getHostAddress());
                bo.put("zone", b.zone());
                bo.put(
                    "state",
                    b.acceptsNewWork()
                        ? "ready"
                        : b.serving() ? "draining" : b.terminating() ? "terminating" : "not-ready");
              }
            });
    return root.toString();
  }
}
