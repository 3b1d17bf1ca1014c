package io.flycast.catalog;

/** PROXY protocol version sent to the backend by the {@link Handler#PROXY_PROTO} handler. */
public enum ProxyProtoVersion {
  V1,
  V2
}
