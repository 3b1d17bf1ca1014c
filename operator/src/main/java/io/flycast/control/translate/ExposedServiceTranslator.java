package io.flycast.control.translate;

import io.flycast.api.ExposedService;
import io.flycast.api.ExposedServiceSpec;
import io.flycast.api.HandlerName;
import io.flycast.api.ServicePort;
import io.flycast.api.TlsVersion;
import io.flycast.catalog.Autoscale;
import io.flycast.catalog.AutostopMode;
import io.flycast.catalog.CacheSettings;
import io.flycast.catalog.Concurrency;
import io.flycast.catalog.ConcurrencyType;
import io.flycast.catalog.Handler;
import io.flycast.catalog.HealthCheck;
import io.flycast.catalog.HttpOptions;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.ProxyProtoVersion;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.RouteSpec;
import io.flycast.catalog.ScaleKinds;
import io.flycast.catalog.ScaleTarget;
import io.flycast.catalog.TlsOptions;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Translates an {@link ExposedService} into a route. The CRD schema rejects most bad specs at
 * {@code kubectl apply}; what it cannot express (a hard limit below the soft limit, a missing or
 * unusable TLS Secret, two entries for one port) is reported here and worked around so routing goes
 * on. So are the values the model could not read ({@link ExposedServiceSpec#unreadable()}: another
 * CRD version's, or stored before the schema checked them): they were left out, and whatever needs
 * them (a port entry without its number) is left out too.
 */
public final class ExposedServiceTranslator {
  private ExposedServiceTranslator() {}

  /**
   * @param secretProblem what keeps a TLS Secret of the resource's namespace from serving (it is
   *     missing, or its certificate or key is unusable), said so a person can fix it; null when it
   *     is usable. See {@link SecretCertificates#problem}
   */
  public static Translation translate(
      ExposedService es, InetAddress address, Function<String, String> secretProblem) {
    return translate(es, address, secretProblem, ScaleKinds.BUILT_IN);
  }

  /**
   * @param secretProblem see {@link #translate(ExposedService, InetAddress, Function)}
   * @param scaleKinds the kinds this install may scale: a scale target of another kind turns the
   *     route's autoscale off, with a problem naming the value to set ({@link ScaleTargetRule})
   */
  public static Translation translate(
      ExposedService es,
      InetAddress address,
      Function<String, String> secretProblem,
      ScaleKinds scaleKinds) {
    return translate(
        es, address, secretProblem, scaleKinds, CacheSettings.DEFAULT_GLOBAL_MAX_BYTES);
  }

  /**
   * @param cacheMaxBytes the proxy's cache size over every route ({@code --cache-max-size}): a
   *     route asking for a larger cache gets a problem and no cache
   */
  public static Translation translate(
      ExposedService es,
      InetAddress address,
      Function<String, String> secretProblem,
      ScaleKinds scaleKinds,
      long cacheMaxBytes) {
    List<String> problems = readProblems(es);
    ExposedServiceSpec s = es.getSpec() == null ? new ExposedServiceSpec() : es.getSpec();
    int internalPort = s.internalPort == null ? 0 : s.internalPort;
    if (s.internalPort == null && !reported(problems, "spec.internalPort")) {
      problems.add(
          "spec.internalPort is missing; connections to the backends fail until it is set");
    }
    List<PortSpec> ports = new ArrayList<>();
    Set<Integer> seen = new LinkedHashSet<>();
    List<ServicePort> listed = s.ports == null ? List.of() : s.ports;
    for (int i = 0; i < listed.size(); i++) {
      ServicePort p = listed.get(i);
      String at = "spec.ports[" + i + "]";
      if (p == null || p.port == null) {
        if (!reported(problems, at) && !reported(problems, at + ".port")) {
          problems.add(at + " has no port number; ignored");
        }
        continue;
      }
      if (!seen.add(p.port)) {
        problems.add("port " + p.port + " is listed more than once; only the first entry is used");
        continue;
      }
      ports.add(port(p, internalPort, secretProblem, problems));
    }
    var c = s.concurrency;
    ConcurrencyType type =
        c != null && c.type == io.flycast.api.ConcurrencySpec.Kind.REQUESTS
            ? ConcurrencyType.REQUESTS
            : ConcurrencyType.CONNECTIONS;
    int soft = c != null && c.softLimit != null ? c.softLimit : Concurrency.DEFAULT_SOFT_LIMIT;
    int hard = c != null && c.hardLimit != null ? c.hardLimit : Concurrency.NO_HARD_LIMIT;
    if (hard < soft) {
      problems.add(
          "concurrency.hardLimit ("
              + hard
              + ") is below concurrency.softLimit ("
              + soft
              + "); set hardLimit >= softLimit. Using "
              + soft
              + " as the hard limit meanwhile");
      hard = soft;
    }
    AutostopMode stop =
        switch (s.autoStopMachines == null ? io.flycast.api.AutoStopMode.OFF : s.autoStopMachines) {
          case OFF -> AutostopMode.OFF;
          case STOP -> AutostopMode.STOP;
          case SUSPEND -> AutostopMode.SUSPEND;
        };
    Autoscale autoscale =
        new Autoscale(
            stop,
            s.autoStartMachines == null || s.autoStartMachines,
            s.minMachinesRunning == null ? 0 : s.minMachinesRunning,
            s.maxMachinesRunning == null ? 0 : s.maxMachinesRunning);
    ScaleTarget target = null;
    var ref = s.scaleTargetRef;
    if (ref != null && (ref.apiVersion == null || ref.kind == null || ref.name == null)) {
      problems.add(
          "spec.scaleTargetRef needs apiVersion, kind and name." + ScaleTargetRule.OFF_MEANWHILE);
      autoscale = ScaleTargetRule.off(autoscale);
    } else {
      target = ref == null ? null : new ScaleTarget(ref.apiVersion, ref.kind, ref.name);
      // Asked for: a target, or autostop. Not autoStartMachines: true is its schema default, which
      // an API server writes into every object, so it cannot tell a user's request; and with
      // nothing stopped, autostart has nothing to start.
      boolean asked =
          ref != null
              || (s.autoStopMachines != null
                  && s.autoStopMachines != io.flycast.api.AutoStopMode.OFF);
      autoscale =
          ScaleTargetRule.check(
              autoscale, target, asked, scaleKinds, "spec.scaleTargetRef", problems);
    }
    var meta = es.getMetadata();
    RouteSpec spec =
        RouteSpec.builder(new RouteKey(meta.getNamespace(), meta.getName()), address)
            .hostnames(present(s.hostnames))
            .ports(ports)
            .concurrency(new Concurrency(type, soft, hard))
            .autoscale(autoscale)
            .isPrivate(s.isPrivate == null || s.isPrivate)
            .network(s.network == null || s.network.isBlank() ? meta.getNamespace() : s.network)
            .scaleTarget(target)
            .checks(checks(s.checks, internalPort, problems))
            .rateLimit(RateLimitRule.fromSpec(s.rateLimit, problems))
            .cache(CacheRule.fromSpec(s.cache, cacheMaxBytes, problems))
            .build();
    return new Translation(spec, problems);
  }

  /**
   * What is wrong with the object as stored before any translation: the values the model could not
   * read, or a missing spec.
   */
  public static List<String> readProblems(ExposedService es) {
    List<String> problems = new ArrayList<>();
    if (es.getSpec() == null) {
      problems.add("spec is missing");
    } else {
      problems.addAll(es.getSpec().unreadable());
    }
    return problems;
  }

  /**
   * Whether the value at {@code path} is already reported as unreadable (so the translator does not
   * report it again as missing), or the whole spec is.
   */
  private static boolean reported(List<String> problems, String path) {
    return problems.stream()
        .anyMatch(
            p ->
                p.startsWith(path + ":")
                    || p.startsWith("spec:")
                    || p.startsWith("spec cannot be read")
                    || p.equals("spec is missing"));
  }

  /** The entries of a list read from the API, without those that could not be read. */
  private static <T> List<T> present(List<T> list) {
    return list == null ? List.of() : list.stream().filter(Objects::nonNull).toList();
  }

  /** The entries of a map read from the API, without those whose value could not be read. */
  private static Map<String, String> present(Map<String, String> map) {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    if (map != null) {
      map.forEach(
          (k, v) -> {
            if (k != null && v != null) {
              out.put(k, v);
            }
          });
    }
    return out;
  }

  /**
   * A TLS Secret problem as reported for one port: which port, where the Secret is named, what is
   * wrong and what to fix, and what it does meanwhile. The port's other handlers, the route's other
   * ports and other routes are not affected.
   */
  public static String tlsSecretProblem(int port, String namedIn, String problem) {
    return "port "
        + port
        + " ("
        + namedIn
        + "): "
        + problem
        + ". TLS handshakes on port "
        + port
        + " fail until then";
  }

  /** Translates {@code spec.checks}; a check with a bad duration is reported and dropped. */
  static List<HealthCheck> checks(
      List<io.flycast.api.Check> in, int internalPort, List<String> problems) {
    List<HealthCheck> out = new ArrayList<>();
    if (in == null) {
      return out;
    }
    for (int i = 0; i < in.size(); i++) {
      var c = in.get(i);
      if (c == null || c.type == null) {
        if (!reported(problems, "spec.checks[" + i + "]")
            && !reported(problems, "spec.checks[" + i + "].type")) {
          problems.add("checks[" + i + "] has no type (tcp or http); ignored");
        }
        continue;
      }
      try {
        Duration interval = duration(c.interval, HealthCheck.DEFAULT_INTERVAL, "interval");
        Duration timeout = duration(c.timeout, HealthCheck.DEFAULT_TIMEOUT, "timeout");
        Duration grace = duration(c.gracePeriod, HealthCheck.DEFAULT_GRACE_PERIOD, "gracePeriod");
        if (interval.isZero() || timeout.isZero()) {
          throw new IllegalArgumentException("interval and timeout must be above zero");
        }
        HealthCheck.Kind kind =
            c.type == io.flycast.api.Check.Kind.HTTP ? HealthCheck.Kind.HTTP : HealthCheck.Kind.TCP;
        out.add(
            new HealthCheck(
                kind,
                interval,
                timeout,
                grace,
                c.method,
                c.path,
                present(c.headers),
                internalPort));
      } catch (IllegalArgumentException e) {
        // Dropping the check (rather than the route) keeps traffic flowing: a check we cannot run
        // must not mark every backend unhealthy.
        problems.add("checks[" + i + "]: " + e.getMessage() + "; check ignored");
      }
    }
    return out;
  }

  private static Duration duration(String text, Duration fallback, String field) {
    if (text == null || text.isBlank()) {
      return fallback;
    }
    try {
      return io.flycast.catalog.Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + " " + e.getMessage(), e);
    }
  }

  private static PortSpec port(
      ServicePort p,
      int internalPort,
      Function<String, String> secretProblem,
      List<String> problems) {
    Set<Handler> handlers = new LinkedHashSet<>();
    for (HandlerName h : present(p.handlers)) {
      handlers.add(Handler.valueOf(h.name()));
    }
    boolean forceHttps = Boolean.TRUE.equals(p.forceHttps);
    if (forceHttps && !handlers.contains(Handler.HTTP)) {
      problems.add("port " + p.port + ": forceHttps needs the http handler; ignored");
      forceHttps = false;
    }
    TlsOptions tls = null;
    if (handlers.contains(Handler.TLS) || handlers.contains(Handler.PG_TLS)) {
      var t = p.tlsOptions;
      String secret = t == null ? null : t.secretName;
      if (secret == null) {
        problems.add(
            "port "
                + p.port
                + " terminates TLS but has no tlsOptions.secretName; its TLS handshakes will fail");
      } else {
        String problem = secretProblem.apply(secret);
        if (problem != null) {
          problems.add(tlsSecretProblem(p.port, "tlsOptions.secretName", problem));
        }
      }
      tls =
          new TlsOptions(
              secret,
              t == null ? List.of() : present(t.alpn),
              t == null
                  ? List.of()
                  : present(t.versions).stream().map(TlsVersion::protocolName).toList());
    }
    ProxyProtoVersion pp =
        p.proxyProtoOptions != null
                && p.proxyProtoOptions.version == io.flycast.api.ProxyProtoOptions.ProtoVersion.V2
            ? ProxyProtoVersion.V2
            : ProxyProtoVersion.V1;
    HttpOptions http = HttpOptions.DEFAULT;
    if (p.httpOptions != null) {
      var h = p.httpOptions;
      http =
          new HttpOptions(
              Boolean.TRUE.equals(h.h2Backend),
              h.idleTimeout == null
                  ? HttpOptions.DEFAULT_IDLE_TIMEOUT
                  : Duration.ofSeconds(h.idleTimeout),
              present(h.responseHeaders));
    }
    return new PortSpec(p.port, internalPort, handlers, forceHttps, tls, pp, http);
  }
}
