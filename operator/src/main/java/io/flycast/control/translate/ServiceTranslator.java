package io.flycast.control.translate;

import io.fabric8.kubernetes.api.model.Service;
import io.flycast.catalog.Autoscale;
import io.flycast.catalog.AutostopMode;
import io.flycast.catalog.CacheSettings;
import io.flycast.catalog.Concurrency;
import io.flycast.catalog.ConcurrencyType;
import io.flycast.catalog.Handler;
import io.flycast.catalog.HttpOptions;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.ProxyProtoVersion;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.RouteSpec;
import io.flycast.catalog.ScaleKinds;
import io.flycast.catalog.ScaleTarget;
import io.flycast.catalog.TlsOptions;
import io.flycast.control.FlycastAnnotations;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Translates a plain Service (the {@code kubectl expose} path) and its annotations into a route.
 * Bad annotation values fall back to defaults and are reported; they never stop routing.
 */
public final class ServiceTranslator {
  private ServiceTranslator() {}

  /**
   * @param secretProblem what keeps a TLS Secret of the Service's namespace from serving, said so a
   *     person can fix it; null when it is usable. See {@link SecretCertificates#problem}
   */
  public static Translation translate(
      Service svc, InetAddress address, Function<String, String> secretProblem) {
    return translate(svc, address, secretProblem, ScaleKinds.BUILT_IN);
  }

  /**
   * @param secretProblem see {@link #translate(Service, InetAddress, Function)}
   * @param scaleKinds the kinds this install may scale: a {@code fly.io/scale-target} of another
   *     kind turns the route's autoscale off, with a problem naming the value to set
   */
  public static Translation translate(
      Service svc,
      InetAddress address,
      Function<String, String> secretProblem,
      ScaleKinds scaleKinds) {
    return translate(
        svc, address, secretProblem, scaleKinds, CacheSettings.DEFAULT_GLOBAL_MAX_BYTES);
  }

  /**
   * @param cacheMaxBytes the proxy's cache size over every route ({@code --cache-max-size}): a
   *     route asking for a larger cache gets a problem and no cache
   */
  public static Translation translate(
      Service svc,
      InetAddress address,
      Function<String, String> secretProblem,
      ScaleKinds scaleKinds,
      long cacheMaxBytes) {
    var meta = svc.getMetadata();
    var a = new AnnotationReader(meta.getAnnotations());
    List<PortSpec> ports = new ArrayList<>();
    if (svc.getSpec().getPorts() != null) {
      for (var p : svc.getSpec().getPorts()) {
        if (p.getProtocol() != null && !"TCP".equalsIgnoreCase(p.getProtocol())) {
          a.problem(
              "port "
                  + p.getPort()
                  + "/"
                  + p.getProtocol()
                  + " is not routed: Flycast proxies TCP only");
          continue;
        }
        ports.add(port(a, p, secretProblem));
      }
    }
    ConcurrencyType kind =
        a.parsed(
            FlycastAnnotations.CONCURRENCY_KIND,
            ConcurrencyType.CONNECTIONS,
            "connections or requests",
            s -> ConcurrencyType.valueOf(s.toUpperCase(Locale.ROOT)));
    int soft = a.integer(FlycastAnnotations.CONCURRENCY_SOFT, Concurrency.DEFAULT_SOFT_LIMIT, 1);
    int hard = a.integer(FlycastAnnotations.CONCURRENCY_HARD, Concurrency.NO_HARD_LIMIT, 1);
    if (hard < soft) {
      a.problem(
          FlycastAnnotations.CONCURRENCY_HARD
              + "="
              + hard
              + " is below the soft limit "
              + soft
              + "; using "
              + soft
              + " as the hard limit");
      hard = soft;
    }
    AutostopMode stop =
        a.parsed(
            FlycastAnnotations.AUTO_STOP,
            AutostopMode.OFF,
            "off, stop or suspend",
            s -> AutostopMode.valueOf(s.toUpperCase(Locale.ROOT)));
    boolean start = a.bool(FlycastAnnotations.AUTO_START, true);
    int min = a.integer(FlycastAnnotations.MIN_MACHINES_RUNNING, 0, 0);
    int max = a.integer(FlycastAnnotations.MAX_MACHINES_RUNNING, 0, 0);
    boolean isPrivate = a.bool(FlycastAnnotations.PRIVATE, true);
    String network = a.string(FlycastAnnotations.NETWORK, meta.getNamespace());
    List<String> hostnames = list(a.string(FlycastAnnotations.HOSTNAMES, ""));
    NamedTarget named =
        a.parsed(
            FlycastAnnotations.SCALE_TARGET,
            null,
            "Kind/name or Kind.group/name, e.g. Deployment/web",
            NamedTarget::parse);
    Autoscale autoscale = new Autoscale(stop, start, min, max);
    ScaleTarget target = named == null ? null : named.resolve(scaleKinds, a);
    if (named != null && target == null) {
      autoscale = ScaleTargetRule.off(autoscale);
    } else {
      boolean asked =
          named != null
              || (a.has(FlycastAnnotations.AUTO_STOP) && stop != AutostopMode.OFF)
              || (a.has(FlycastAnnotations.AUTO_START) && start);
      autoscale =
          ScaleTargetRule.check(
              autoscale,
              target,
              asked,
              scaleKinds,
              "annotation " + FlycastAnnotations.SCALE_TARGET,
              a.problems());
    }
    RouteSpec spec =
        RouteSpec.builder(new RouteKey(meta.getNamespace(), meta.getName()), address)
            .hostnames(hostnames)
            .ports(ports)
            .concurrency(new Concurrency(kind, soft, hard))
            .autoscale(autoscale)
            .isPrivate(isPrivate)
            .network(network)
            .scaleTarget(target)
            .rateLimit(
                RateLimitRule.fromAnnotation(
                    FlycastAnnotations.RATE_LIMIT,
                    a.string(FlycastAnnotations.RATE_LIMIT, null),
                    a.problems()))
            .cache(
                CacheRule.fromAnnotation(
                    FlycastAnnotations.CACHE,
                    a.string(FlycastAnnotations.CACHE, null),
                    cacheMaxBytes,
                    a.problems()))
            .build();
    return new Translation(spec, a.problems());
  }

  /**
   * A Service port. Its target port is a number, or a container port name ({@code targetPort:
   * http}) that each pod resolves for itself: the EndpointSlice lists the resolved number under the
   * Service port's name, and the proxy dials that ({@link
   * PortSpec#targetPort(io.flycast.catalog.Backend)}).
   */
  private static PortSpec port(
      AnnotationReader a,
      io.fabric8.kubernetes.api.model.ServicePort p,
      Function<String, String> secretProblem) {
    int port = p.getPort();
    var t = p.getTargetPort();
    // Unset means the Service port (the API server defaults it so); a name is resolved per pod.
    String targetName =
        t != null && t.getIntVal() == null && t.getStrVal() != null && !t.getStrVal().isBlank()
            ? t.getStrVal()
            : null;
    int target = targetName != null ? 0 : t != null && t.getIntVal() != null ? t.getIntVal() : port;
    Set<Handler> handlers =
        a.parsed(
            FlycastAnnotations.handlers(port),
            Set.of(),
            "a comma-separated list of tls, http, proxy_proto, pg_tls",
            ServiceTranslator::handlers);
    boolean forceHttps = a.bool(FlycastAnnotations.forceHttps(port), false);
    if (forceHttps && !handlers.contains(Handler.HTTP)) {
      a.problem(
          FlycastAnnotations.forceHttps(port)
              + " needs the http handler on port "
              + port
              + "; ignored");
      forceHttps = false;
    }
    TlsOptions tls = null;
    if (handlers.contains(Handler.TLS) || handlers.contains(Handler.PG_TLS)) {
      String secret = a.string(FlycastAnnotations.tlsSecret(port), null);
      if (secret == null) {
        a.problem(
            "port "
                + port
                + " terminates TLS but has no "
                + FlycastAnnotations.tlsSecret(port)
                + " annotation naming a kubernetes.io/tls Secret; its TLS handshakes will fail");
      } else {
        String problem = secretProblem.apply(secret);
        if (problem != null) {
          a.problem(
              ExposedServiceTranslator.tlsSecretProblem(
                  port, FlycastAnnotations.tlsSecret(port), problem));
        }
      }
      tls = new TlsOptions(secret, list(a.string(FlycastAnnotations.alpn(port), "")), List.of());
    }
    ProxyProtoVersion pp =
        a.parsed(
            FlycastAnnotations.proxyProtoVersion(port),
            ProxyProtoVersion.V1,
            "v1 or v2",
            s -> ProxyProtoVersion.valueOf(s.toUpperCase(Locale.ROOT)));
    boolean h2 = a.bool(FlycastAnnotations.h2Backend(port), false);
    HttpOptions http =
        h2
            ? new HttpOptions(true, HttpOptions.DEFAULT_IDLE_TIMEOUT, java.util.Map.of())
            : HttpOptions.DEFAULT;
    return new PortSpec(
        port,
        target,
        handlers,
        forceHttps,
        tls,
        pp,
        http,
        p.getName() == null ? "" : p.getName(),
        targetName);
  }

  static Set<Handler> handlers(String csv) {
    Set<Handler> out = new LinkedHashSet<>();
    for (String s : csv.split(",")) {
      if (!s.isBlank()) {
        out.add(Handler.parse(s));
      }
    }
    return out;
  }

  /**
   * A {@code fly.io/scale-target} value: {@code Kind/name}, or {@code Kind.group/name} where two
   * groups this install may scale have a Kind of that name. An annotation has no apiVersion: it
   * comes from the kinds this install may scale.
   *
   * @param group null when the value names none
   */
  record NamedTarget(String value, String kind, String group, String name) {
    static NamedTarget parse(String s) {
      String[] parts = s.split("/");
      if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
        throw new IllegalArgumentException(s);
      }
      int dot = parts[0].indexOf('.');
      return dot < 0
          ? new NamedTarget(s, parts[0], null, parts[1])
          : new NamedTarget(s, parts[0].substring(0, dot), parts[0].substring(dot + 1), parts[1]);
    }

    /**
     * The target with the apiVersion this install scales its kind at; null, with a problem, when it
     * may not.
     */
    ScaleTarget resolve(ScaleKinds kinds, AnnotationReader a) {
      List<ScaleKinds.Kind> matches =
          group == null ? kinds.named(kind) : kinds.find(group, kind).stream().toList();
      String what =
          "annotation " + FlycastAnnotations.SCALE_TARGET + "=" + value + " names " + kind;
      if (matches.size() == 1) {
        return new ScaleTarget(matches.get(0).apiVersion(), kind, name);
      }
      if (matches.isEmpty()) {
        String apiVersion =
            group != null
                ? group + "/<version>"
                : ScaleKinds.BUILT_IN.find("apps", kind).isPresent()
                    ? "apps/v1"
                    : "<group>/<version>";
        a.problem(
            ScaleTargetRule.notScalable(
                what + (group == null ? "" : " (" + group + ")"), apiVersion, kind, kinds));
      } else {
        a.problem(
            what
                + ", a Kind of several groups this install may scale ("
                + matches.stream()
                    .map(ScaleKinds.Kind::group)
                    .collect(java.util.stream.Collectors.joining(", "))
                + "); name its group, e.g. "
                + kind
                + "."
                + matches.get(0).group()
                + "/"
                + name
                + "."
                + ScaleTargetRule.OFF_MEANWHILE);
      }
      return null;
    }
  }

  static List<String> list(String csv) {
    return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }
}
