package io.flycast.api;

import io.fabric8.generator.annotation.Default;

/** PROXY protocol settings of a port. */
public class ProxyProtoOptions {
  /** PROXY protocol version sent to the backend. */
  public enum ProtoVersion {
    @com.fasterxml.jackson.annotation.JsonProperty("v1")
    V1,
    @com.fasterxml.jackson.annotation.JsonProperty("v2")
    V2
  }

  @Default("v1")
  public ProtoVersion version;
}
