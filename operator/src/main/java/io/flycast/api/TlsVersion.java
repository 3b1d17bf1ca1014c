package io.flycast.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** TLS protocol versions a port may allow. */
public enum TlsVersion {
  @JsonProperty("TLSv1.2")
  TLS_1_2,
  @JsonProperty("TLSv1.3")
  TLS_1_3;

  /** The JSSE/OpenSSL protocol name. */
  public String protocolName() {
    return this == TLS_1_2 ? "TLSv1.2" : "TLSv1.3";
  }
}
