package io.flycast.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.proxy.pipeline.Http2ServerPipeline;
import io.flycast.proxy.tcp.RelayHandler;
import io.flycast.proxy.upstream.BackendHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * An error no handler dealt with ends its connection the same way everywhere: closed, and counted
 * by where it happened, so a rise in resets or broken pipes shows on a dashboard instead of
 * vanishing (each handler used to close without a trace).
 */
class ConnectionErrorsTest {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final ConnectionErrors errors = new ConnectionErrors(new ProxyMetrics(registry));

  private double count(String kind) {
    return registry.scrape().stream()
        .filter(m -> m.getMetadata().getName().equals("flycast_proxy_errors"))
        .flatMap(m -> ((CounterSnapshot) m).getDataPoints().stream())
        .filter(d -> kind.equals(d.getLabels().get("kind")))
        .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue)
        .sum();
  }

  @Test
  void aResetOnARelayClosesBothWaysAndIsCountedAsARelayError() {
    EmbeddedChannel peer = new EmbeddedChannel();
    EmbeddedChannel relay = new EmbeddedChannel(new RelayHandler(peer, errors, "default/db"));

    relay.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));

    assertThat(relay.isOpen()).isFalse();
    assertThat(count("relay")).isEqualTo(1);
    assertThat(count("client_http")).isZero();
  }

  @Test
  void aBackendConnectionErrorIsCountedAsABackendError() {
    EmbeddedChannel backend = new EmbeddedChannel(new BackendHandler(errors));

    backend.pipeline().fireExceptionCaught(new IOException("Broken pipe"));

    assertThat(backend.isOpen()).isFalse();
    assertThat(count("backend_http")).isEqualTo(1);
  }

  @Test
  void anHttp2ConnectionErrorIsLeftToTheCodecSoItsGoawayKeepsItsCode() {
    EmbeddedChannel client = new EmbeddedChannel(new Http2ServerPipeline.CloseOnError(errors));

    client
        .pipeline()
        .fireExceptionCaught(
            io.netty.handler.codec.http2.Http2Exception.connectionError(
                io.netty.handler.codec.http2.Http2Error.PROTOCOL_ERROR, "bad frame"));
    assertThat(client.isOpen()).as("the codec closes it, after its GOAWAY").isTrue();

    client.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));
    assertThat(client.isOpen()).isFalse();
    assertThat(count("client_h2")).isEqualTo(1);
  }
}
