package io.flycast.catalog;

/** fly.toml {@code auto_stop_machines}. Kubernetes has no suspend: {@link #SUSPEND} stops. */
public enum AutostopMode {
  OFF,
  STOP,
  SUSPEND
}
