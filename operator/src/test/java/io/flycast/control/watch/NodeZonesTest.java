package io.flycast.control.watch;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import org.junit.jupiter.api.Test;

/** A node's zone, learned from the slices, for a pod routed before its own slice lists it. */
class NodeZonesTest {
  @Test
  void aNodeNamedWithItsZoneInSomeSliceGivesThatZoneAndOtherNodesNone() {
    NodeZones zones = new NodeZones();
    zones.learn(
        new EndpointSliceBuilder()
            .withNewMetadata()
            .withName("web-abc")
            .endMetadata()
            .addToEndpoints(
                new EndpointBuilder()
                    .withAddresses("10.0.0.7")
                    .withNodeName("node-1")
                    .withZone("ams")
                    .build(),
                new EndpointBuilder().withAddresses("10.0.0.8").withNodeName("node-2").build(),
                null)
            .build());
    assertThat(zones.of("node-1")).isEqualTo("ams");
    assertThat(zones.of("node-2")).as("a slice that names no zone").isNull();
    assertThat(zones.of("node-3")).isNull();
    assertThat(zones.of(null)).isNull();
  }
}
