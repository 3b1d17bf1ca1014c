package io.flycast.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Dedicated addresses, as in production: inside a network namespace of its own, the test installs
 * Linux's AnyIP route for the Flycast prefix on loopback, runs the packaged jar in embedded mode
 * with the examples, and connects to the Flycast address of the web example on port 80, with no
 * Host header: the proxy routes by the connection's destination address.
 */
class AnyIpE2E {
  @Test
  void aFlycastAddressAnswersOnItsOwnPortThroughTheAnyIpRoute() throws Exception {
    Path repo = FlycastProcess.repo();
    Path state = Files.createTempDirectory("flycast-anyip");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String script =
        """
        set -eu
        ip link set lo up
        ip -6 route add local fdaa:0:48c8::/48 dev lo
        %s -jar %s --embedded --state-dir %s --apply %s --admin-listen 127.0.0.1:9090 \\
          --http-listen 127.0.0.1:8080 --tls-listen '' --dns-listen '' > %s/flycast.log 2>&1 &
        pid=$!
        trap 'kill $pid; wait $pid' EXIT
        addr=""
        for i in $(seq 1 300); do
          addr=$(curl -s 127.0.0.1:9090/debug/catalog | grep -o '"name":"web","address":"[^"]*"' | sed 's/.*"address":"//; s/"//' || true)
          if [ -n "$addr" ] && curl -s -o /dev/null --max-time 2 "http://[$addr]:80/"; then break; fi
          sleep 0.2
        done
        echo "ADDRESS $addr"
        curl -s --max-time 10 "http://[$addr]:80/via-anyip"
        echo
        db=""
        for i in $(seq 1 300); do
          db=$(curl -s 127.0.0.1:9090/debug/catalog | grep -o '"name":"db","address":"[^"]*"' | sed 's/.*"address":"//; s/"//' || true)
          [ -n "$db" ] && break
          sleep 0.2
        done
        for i in $(seq 1 100); do
          echo_addr=$(curl -s 127.0.0.1:9090/debug/catalog | grep -o '"name":"echo","address":"[^"]*"' | sed 's/.*"address":"//; s/"//' || true)
          if [ -n "$echo_addr" ] && python3 -c 'import socket,sys; s=socket.create_connection((sys.argv[1],7000),timeout=10); s.sendall(b"hello\\n"); f=s.makefile(); a=f.readline().strip(); b=f.readline().strip(); assert b; print("ECHO", a, "|", b)' "$echo_addr"; then break; fi
          sleep 0.2
        done
        echo "PG $(openssl s_client -starttls postgres -connect "[$db]:5432" -servername db.default.flycast </dev/null 2>/dev/null | openssl x509 -noout -subject)"
        """
            .formatted(java, FlycastProcess.jar(), state, repo.resolve("examples"), state);
    Process p =
        new ProcessBuilder("unshare", "-n", "bash", "-c", script).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("finished").isTrue();
    assertThat(out)
        .as(
            out
                + Files.readString(state.resolve("flycast.log"))
                    .lines()
                    .filter(l -> l.contains("ERROR") || l.contains("WARN"))
                    .limit(20)
                    .toList())
        .containsPattern("ADDRESS fdaa:0:48c8:0:1:[0-9a-f:]+")
        .contains("\"path\":\"/via-anyip\"", "\"pod\":\"web-");
    // pg_tls on the db example's own address: the SSLRequest is answered and TLS terminated with
    // the certificate of its Secret (openssl speaks the Postgres STARTTLS dance).
    assertThat(out).contains("PG subject=CN = db.default.flycast");
    // The proxy_proto example: its backend reads the PROXY v2 header, so it names the client
    // (here a loopback source), then echoes.
    assertThat(out).containsPattern("ECHO client [0-9a-f:.]+ port \\d+ \\| hello");
    // Routed by destination address and port alone: no Host header named the route.
    assertThat(out).contains("\"fly-forwarded-port\":\"80\"", "\"fly-client-ip\":\"");
  }
}
