/**
 * Backend health checks (fly.toml {@code tcp_checks} / {@code http_checks}): the {@link
 * io.flycast.health.HealthChecker} probes every backend of every route that declares checks, and
 * publishes a lock-free {@link io.flycast.health.BackendHealth} view the balancer reads per pick. A
 * failing backend gets no new work; it is never restarted. Nothing in this package knows Kubernetes
 * types.
 */
package io.flycast.health;
