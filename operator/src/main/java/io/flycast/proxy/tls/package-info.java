/**
 * Stage: TLS termination, right after accept and before any HTTP or TCP handling. {@code
 * TlsContexts} builds the server contexts from a {@link io.flycast.proxy.tls.CertificateSource}'s
 * {@link io.flycast.proxy.tls.ServerCertificate}s per ALPN list, with the {@link
 * io.flycast.proxy.tls.TlsProvider} chosen (OpenSSL when it loads, the JDK's TLS otherwise); {@code
 * TlsHandlers} adds the handlers to a pipeline: by SNI on the shared HTTPS listener, by the port's
 * {@code tls} / {@code pg_tls} handlers on dedicated listeners ({@code PgTlsHandler} answers
 * Postgres' SSLRequest first).
 *
 * <p>Separate because it only decrypts: it must not know what runs above it (HTTP, raw TCP) nor the
 * backends (PackageRulesTest enforces that), so certificates and TLS profiles can be reasoned about
 * and tested alone.
 */
package io.flycast.proxy.tls;
