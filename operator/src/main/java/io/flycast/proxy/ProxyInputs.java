package io.flycast.proxy;

import io.flycast.catalog.CatalogStore;
import io.flycast.network.NetworkPolicy;
import io.flycast.proxy.tls.CertificateSource;

/**
 * What the proxy reads from the rest of Flycast, each through a port of its own: the routing table,
 * the server certificates, the autostart of backends that are not running, and who may reach which
 * route. Everything else a connection needs the proxy builds itself.
 */
record ProxyInputs(
    CatalogStore catalog,
    CertificateSource certificates,
    BackendStarter starter,
    NetworkPolicy access) {}
