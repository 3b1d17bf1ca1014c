package io.flycast.proxy.tls;

import io.flycast.proxy.ProxyConfig;
import java.util.Locale;

/**
 * Which TLS implementation terminates TLS ({@link ProxyConfig#tlsProvider()}).
 *
 * <p>The default comes from the system property {@value #PROPERTY}, else the environment variable
 * {@value #ENV}, else {@link #AUTO}: e.g. {@code JAVA_TOOL_OPTIONS=-Dflycast.tls.provider=jdk} or
 * {@code FLYCAST_TLS_PROVIDER=jdk} forces the JDK's TLS.
 */
public enum TlsProvider {
  /** OpenSSL (BoringSSL from netty-tcnative) when it loads and supports ALPN, else the JDK's. */
  AUTO,
  /** OpenSSL; the proxy refuses to start when it does not load. */
  OPENSSL,
  /** The JDK's TLS (JSSE), whether OpenSSL loads or not. */
  JDK;

  public static final String PROPERTY = "flycast.tls.provider";
  public static final String ENV = "FLYCAST_TLS_PROVIDER";

  /** {@code auto}, {@code openssl} or {@code jdk} (any case). */
  public static TlsProvider parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "TLS provider must be auto, openssl or jdk, not '" + s + "'", e);
    }
  }

  /** From {@value #PROPERTY} or {@value #ENV} when set (and not blank), else {@link #AUTO}. */
  public static TlsProvider fromEnvironment() {
    String s = System.getProperty(PROPERTY);
    if (s == null || s.isBlank()) {
      s = System.getenv(ENV);
    }
    return s == null || s.isBlank() ? AUTO : parse(s);
  }
}
