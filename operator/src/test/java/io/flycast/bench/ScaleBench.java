package io.flycast.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cluster-scale benchmark ({@code BENCH=scale make bench}): an API holding S Services opted in to
 * Flycast, one EndpointSlice of E endpoints each, and S x E Pods (all as a real cluster returns
 * them, see {@link ClusterObjects}), served by {@link ScaleApiServer} in this JVM; the operator in
 * a JVM of its own, started from its jar against that API's kubeconfig, as in a cluster. Per round,
 * from a fresh API:
 *
 * <ul>
 *   <li><b>routable</b>: from the operator's start until every Service has a route with all its
 *       backends in the catalog ({@code /debug/catalog}): the leader allocated each an address,
 *       every watch listed and synced;
 *   <li><b>settled</b>: until the leader has also acknowledged every route on its Service ({@code
 *       service.fly.io/sync-version});
 *   <li><b>live heap</b>: the operator's heap after a full GC ({@code jcmd GC.run}, then {@code
 *       GC.heap_info}), once settled; and its resident set.
 * </ul>
 *
 * Arguments: services, endpoints per slice, rounds, operator jar, then the operator's JVM flags.
 */
public final class ScaleBench {
  private static final Duration TIMEOUT = Duration.ofMinutes(20);
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  record Round(double routable, double settled, double heapMiB, double rssMiB) {}

  public static void main(String[] args) throws Exception {
    int services = Integer.parseInt(args[0]);
    int endpoints = Integer.parseInt(args[1]);
    int rounds = Integer.parseInt(args[2]);
    Path jar = Path.of(args[3]);
    List<String> jvm = Arrays.asList(args).subList(4, args.length);
    System.out.printf(
        "cluster: %,d Services (fly.io/flycast: \"true\"), %,d EndpointSlices of %d endpoints, %,d"
            + " Pods; operator: %s %s%n",
        services, services, endpoints, services * endpoints, jar, String.join(" ", jvm));
    List<Round> results = new ArrayList<>();
    for (int r = 1; r <= rounds; r++) {
      Round round = round(services, endpoints, jar, jvm);
      System.out.printf(
          "round %d: routable in %.1f s, settled in %.1f s, live heap %.0f MiB, RSS %.0f MiB%n",
          r, round.routable(), round.settled(), round.heapMiB(), round.rssMiB());
      results.add(round);
    }
    System.out.printf(
        "scale: %,d Services, %,d Pods, %d rounds: routable in %.1f s, settled in %.1f s, "
            + "live heap %.0f MiB, RSS %.0f MiB (medians)%n",
        services,
        services * endpoints,
        rounds,
        median(results.stream().mapToDouble(Round::routable).toArray()),
        median(results.stream().mapToDouble(Round::settled).toArray()),
        median(results.stream().mapToDouble(Round::heapMiB).toArray()),
        median(results.stream().mapToDouble(Round::rssMiB).toArray()));
  }

  static Round round(int services, int endpoints, Path jar, List<String> jvm) throws Exception {
    ApiObjects objects = new ApiObjects();
    long t = System.nanoTime();
    ScaleCluster.load(objects, services, endpoints);
    System.out.printf(
        "  API loaded %,d objects in %.1f s%n", objects.version(), (System.nanoTime() - t) / 1e9);
    Path dir = Files.createTempDirectory("flycast-scale");
    try (ScaleApiServer api = new ScaleApiServer(objects).start()) {
      Path kubeconfig = api.writeKubeconfig(dir.resolve("kubeconfig"));
      int admin = freePort();
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(jvm);
      cmd.addAll(
          List.of(
              "-jar",
              jar.toString(),
              "--kubeconfig=" + kubeconfig,
              "--admin-listen=127.0.0.1:" + admin,
              "--http-listen=127.0.0.1:" + freePort(),
              "--tls-listen=",
              "--dns-listen=",
              "--dedicated-listen=",
              "--lease-namespace=default",
              "--identity=scale-bench"));
      long start = System.nanoTime();
      Process operator =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("operator.log").toFile())
              .start();
      try {
        String base = "http://127.0.0.1:" + admin;
        waitFor(() -> allRoutable(base, services, endpoints), operator, dir);
        double routable = (System.nanoTime() - start) / 1e9;
        waitFor(() -> ScaleCluster.acknowledged(objects) == services, operator, dir);
        double settled = (System.nanoTime() - start) / 1e9;
        Round round =
            new Round(routable, settled, liveHeapMiB(operator.pid()), rssMiB(operator.pid()));
        // Where the heap goes, for whoever wants to shrink it further.
        Path histogram = dir.resolve("histogram.txt");
        Files.writeString(histogram, jcmd(operator.pid(), "GC.class_histogram"));
        System.out.println("  operator log and class histogram: " + dir);
        return round;
      } finally {
        operator.destroy();
        operator.waitFor();
      }
    }
  }

  /** Every Service has its route in the catalog, each with all its backends. */
  static boolean allRoutable(String base, int services, int endpoints) {
    String metrics = get(base + "/metrics");
    Matcher m =
        Pattern.compile("(?m)^flycast_catalog_routes (\\S+)")
            .matcher(metrics == null ? "" : metrics);
    if (!m.find() || Double.parseDouble(m.group(1)) < services) {
      return false;
    }
    String catalog = get(base + "/debug/catalog");
    if (catalog == null) {
      return false;
    }
    var routes = ApiObjects.parse(catalog).path("routes");
    int complete = 0;
    for (var route : routes) {
      complete += route.path("backends").size() == endpoints ? 1 : 0;
    }
    return complete == services;
  }

  private static String get(String url) {
    try {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? r.body() : null;
    } catch (IOException e) {
      return null; // not listening yet
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  interface Check {
    boolean done() throws Exception;
  }

  /** Polls every half second; fails with the operator's log when it exits or takes too long. */
  private static void waitFor(Check check, Process operator, Path dir) throws IOException {
    Path log = dir.resolve("operator.log");
    try {
      org.awaitility.Awaitility.await()
          .atMost(TIMEOUT)
          .pollInterval(java.time.Duration.ofMillis(500)) // the figure is read to the half second
          .failFast("operator exited", () -> !operator.isAlive())
          .until(check::done);
    } catch (org.awaitility.core.ConditionTimeoutException
        | org.awaitility.core.TerminalFailureException e) {
      throw new IllegalStateException(e.getMessage() + "; log: " + log + "\n" + tail(log), e);
    }
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }

  /** The heap in use after a full GC, from {@code jcmd}: live objects only. */
  static double liveHeapMiB(long pid) throws Exception {
    jcmd(pid, "GC.run");
    String info = jcmd(pid, "GC.heap_info");
    Matcher m = Pattern.compile("used (\\d+)K").matcher(info);
    if (!m.find()) {
      throw new IllegalStateException("no heap figure in: " + info);
    }
    return Long.parseLong(m.group(1)) / 1024.0;
  }

  static double rssMiB(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
      }
    }
    return Double.NaN;
  }

  private static String jcmd(long pid, String command) throws Exception {
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid),
                command)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException("jcmd " + command + ": " + out);
    }
    return out;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
