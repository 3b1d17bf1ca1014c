package io.flycast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admin status page as a person sees it: the packaged jar with the examples, the page opened in
 * headless Chromium (Debian's), its rendered DOM checked for the example routes, and a screenshot
 * saved to e2e/target/status-page.png.
 */
class StatusPageE2E {
  static FlycastProcess flycast;

  @BeforeAll
  static void start() throws Exception {
    flycast =
        FlycastProcess.startEmbedded(
            "--apply",
            FlycastProcess.repo().resolve("examples").toString(),
            // Idle backends stop within seconds, so a route has an autostop to show.
            "--autostop-interval",
            "2s");
  }

  @AfterAll
  static void stop() throws Exception {
    if (flycast != null) {
      flycast.close();
    }
  }

  static String chromium() {
    for (String c :
        List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
      if (Files.isExecutable(Path.of(c))) {
        return c;
      }
    }
    throw new AssertionError("no Chromium found: run `make tools` (installs Debian's chromium)");
  }

  static String run(List<String> args) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--user-data-dir=" + Files.createTempDirectory("chromium"),
                "--virtual-time-budget=5000"));
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  @Test
  void showsTheExampleRoutesWithAddressesAndBackends() throws Exception {
    String url = "http://127.0.0.1:" + flycast.adminPort + "/";
    // The routes appear once they have addresses; the page shows what the catalog has.
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              String catalog = flycast.get("/debug/catalog").body();
              return catalog.contains("\"name\":\"api\"")
                  && catalog.contains("\"name\":\"web\"")
                  && catalog.contains("\"name\":\"echo\"");
            });
    String dom = run(List.of("--dump-dom", url));
    assertThat(dom)
        .contains(
            "web.default.flycast", "api.team-a.flycast", "echo.default.flycast", "catalog version")
        .containsPattern("fdaa:0:48c8:0:1:[0-9a-f:]+")
        .contains("autostop stop")
        // web's concurrency, hard limit included, and the links to the raw figures.
        .contains("soft 20 · hard 25 requests", "min running 0")
        .contains("href=\"/metrics\"", "href=\"/debug/catalog\"", "mean cold start");

    Path shot = FlycastProcess.repo().resolve("e2e/target/status-page.png");
    run(List.of("--window-size=1280,900", "--screenshot=" + shot, url));
    assertThat(shot).exists();
    assertThat(Files.size(shot)).isGreaterThan(10_000);
  }

  /**
   * Each route's conditions and its last autostop and autostart, as the ExposedService's status
   * records them: web, idle, is stopped; a request starts it again.
   */
  @Test
  void showsConditionsAndTheLastAutostopAndAutostart() throws Exception {
    String url = "http://127.0.0.1:" + flycast.adminPort + "/";
    await()
        .atMost(Duration.ofSeconds(90))
        // Down to zero (one backend at a time), so that the next request has to start one.
        .until(() -> routeStatus("default/web").contains("\"replicas\":0"));
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .until(() -> flycast.viaProxy("web.default.flycast", "/").statusCode() == 200);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> routeStatus("default/web").contains("\"lastAutostart\""));
    String dom = run(List.of("--dump-dom", url));
    assertThat(dom)
        .contains("Valid True · Valid", "Ready True", "Synced True")
        .contains("last autostop", "last autostart")
        // When, then why (the recorded reason).
        .containsPattern("last autostop [^<]*\\d[^<]* · \\w")
        .containsPattern("last autostart [^<]*\\d[^<]* · \\w");
  }

  /** The operator's record of one route in /debug/routes, as JSON text ("" when it has none). */
  private static String routeStatus(String key) throws Exception {
    JsonNode node = new ObjectMapper().readTree(flycast.get("/debug/routes").body());
    return node.has(key) ? node.get(key).toString() : "";
  }
}
