package io.flycast.catalog;

import java.util.Locale;

/** A connection handler of a service port, as in fly.toml's {@code handlers = [...]}. */
public enum Handler {
  /** Terminate TLS with the route's certificate, chosen by SNI. */
  TLS("tls"),
  /** Speak HTTP to the client and to the backend, adding Fly's request headers. */
  HTTP("http"),
  /** Start the backend connection with a PROXY protocol header carrying the client address. */
  PROXY_PROTO("proxy_proto"),
  /** Answer the Postgres SSLRequest, terminate TLS, forward the plaintext protocol. */
  PG_TLS("pg_tls");

  private final String wireName;

  Handler(String wireName) {
    this.wireName = wireName;
  }

  /** The spelling used in fly.toml, the CRD and annotations. */
  public String wireName() {
    return wireName;
  }

  /**
   * Parses a handler name as users write it ({@code tls}, {@code http}, {@code proxy_proto}, {@code
   * pg_tls}; case-insensitive).
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  public static Handler parse(String s) {
    String v = s.trim().toLowerCase(Locale.ROOT);
    for (Handler h : values()) {
      if (h.wireName.equals(v)) {
        return h;
      }
    }
    throw new IllegalArgumentException(
        "unknown handler '" + s + "' (expected one of tls, http, proxy_proto, pg_tls)");
  }
}
