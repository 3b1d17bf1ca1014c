package io.flycast.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Handler names as written in the CRD (fly.toml spelling). */
public enum HandlerName {
  @JsonProperty("tls")
  TLS,
  @JsonProperty("http")
  HTTP,
  @JsonProperty("proxy_proto")
  PROXY_PROTO,
  @JsonProperty("pg_tls")
  PG_TLS
}
