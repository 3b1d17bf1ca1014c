package io.flycast.api;

/**
 * Size limits of the CRD schemas ({@code maxItems}, {@code maxLength}, {@code maxProperties}).
 *
 * <p>A real API server estimates the worst-case cost of each CEL rule ({@code
 * x-kubernetes-validations}) when the CRD is created: an unbounded list counts as a whole 3 MiB
 * request of items and an unbounded string as 3 MiB of text, and a rule over them is refused
 * ("estimated rule cost exceeds budget", kubernetes/kubernetes#120973, #121162). So every list, map
 * and free string in the API is bounded, each where possible by a real limit, always far above what
 * a user writes. The ports rules iterate {@code handlers}: bounded by {@link #PORTS} x {@link
 * #HANDLERS} they cost about 10^4, against 10^7 allowed per rule (CrdBoundsTest).
 */
public final class Limits {
  private Limits() {}

  /** Ports of one ExposedService. Each is a listener; no real service comes close. */
  public static final int PORTS = 64;

  /** Handlers of one port: there are 4 distinct names (tls, http, proxy_proto, pg_tls). */
  public static final int HANDLERS = 8;

  /** Extra hostnames: 100 is also the most names a Let's Encrypt certificate can carry. */
  public static final int HOSTNAMES = 100;

  /** A DNS name in text form (RFC 1035: 255 octets on the wire, 253 characters). */
  public static final int DNS_NAME = 253;

  /** A DNS label (RFC 1035); also Kubernetes namespaces, label values and Kind names. */
  public static final int DNS_LABEL = 63;

  /** A Kubernetes object name (DNS subdomain, RFC 1123): Secrets, Deployments, pods. */
  public static final int OBJECT_NAME = 253;

  /** group/version: a DNS-subdomain group, a slash and a DNS-label version. */
  public static final int API_VERSION = DNS_NAME + 1 + DNS_LABEL;

  /** An object UID: a UUID is 36 characters; the rest is margin. */
  public static final int UID = 64;

  /** An IP address in text form: the longest is IPv4-mapped IPv6 (INET6_ADDRSTRLEN 46 - 1). */
  public static final int IP_ADDRESS = 45;

  /** {@code <name>.<namespace>.flycast}, the hostname every ExposedService gets. */
  public static final int FLYCAST_HOSTNAME = OBJECT_NAME + 1 + DNS_LABEL + 8; // 8 = ".flycast"

  /** Labels in a selector; Kubernetes has no limit, no selector has this many. */
  public static final int SELECTOR_LABELS = 64;

  /**
   * ALPN protocol ids offered on a port (registered ids number about 30; h2 and http/1.1 in
   * practice).
   */
  public static final int ALPN = 8;

  /** An ALPN protocol id (RFC 7301: 1 to 255 bytes). */
  public static final int ALPN_ID = 255;

  /** TLS versions of a port: there are 2 (TLSv1.2, TLSv1.3). */
  public static final int TLS_VERSIONS = 4;

  /** Health checks of one ExposedService. */
  public static final int CHECKS = 16;

  /** A duration such as {@code 15s} or {@code 500ms}. */
  public static final int DURATION = 32;

  /** An HTTP method (the longest registered ones have 17 characters). */
  public static final int HTTP_METHOD = 32;

  /** A request path (RFC 9110 4.1: senders and recipients should support 8000-octet URIs). */
  public static final int URL_PATH = 8000;

  /** Headers in one header map. */
  public static final int HEADERS = 64;

  /** A header value (nginx and Apache refuse header lines over 8 KiB by default). */
  public static final int HEADER_VALUE = 8192;

  /** Conditions in a status (metav1.Condition lists; Flycast writes 4). */
  public static final int CONDITIONS = 32;

  /** metav1.Condition type. */
  public static final int CONDITION_TYPE = 316;

  /** metav1.Condition reason; also the free-text reason of an autoscale action. */
  public static final int REASON = 1024;

  /** metav1.Condition message. */
  public static final int MESSAGE = 32768;

  /** An RFC 3339 timestamp (at most 35 characters with nanoseconds and an offset). */
  public static final int TIMESTAMP = 64;

  /**
   * status.ports: per port at most {@code 65535/http,pg_tls,proxy_proto,tls } (34), x PORTS = 2176.
   */
  public static final int STATUS_PORTS = 4096;

  /** status.machines.summary, {@code running/desired}: two ints and a slash. */
  public static final int MACHINES_SUMMARY = 32;
}
