package io.flycast.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A port already taken at startup (another Flycast, a local DNS server on 5353) ends the process
 * with one line that names the address and the flag that moves it, not a bare BindException.
 */
class StartupErrorsE2E {
  @Test
  void aTakenDnsPortNamesTheFlagThatMovesIt() throws Exception {
    try (DatagramSocket taken =
        new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      String busy = "127.0.0.1:" + taken.getLocalPort();
      Path state = Files.createTempDirectory("flycast-e2e");
      Process p =
          new ProcessBuilder(
                  List.of(
                      Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                      "-jar",
                      FlycastProcess.jar().toString(),
                      "--embedded",
                      "--state-dir",
                      state.toString(),
                      "--admin-listen",
                      "127.0.0.1:0",
                      "--http-listen",
                      "127.0.0.1:0",
                      "--tls-listen",
                      "127.0.0.1:0",
                      "--dedicated-listen",
                      "",
                      "--dns-listen",
                      busy))
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(out).isEqualTo(1);
      assertThat(out)
          .contains("flycast: DNS cannot listen on")
          .contains(String.valueOf(taken.getLocalPort()))
          .contains("--dns-listen")
          .doesNotContain("\tat ");
    }
  }
}
