package io.flycast;

import picocli.CommandLine.Option;

/**
 * When idle backends stop and how requests wait for one to start: the flags of {@link Main}, as a
 * picocli mixin.
 */
final class AutoscaleFlags {

  @Option(
      names = "--autostart-timeout",
      description =
          "How long a request is held while its backend starts. Env FLYCAST_AUTOSTART_TIMEOUT.",
      defaultValue = "${env:FLYCAST_AUTOSTART_TIMEOUT:-30s}")
  String autostartTimeout;

  @Option(
      names = "--early-probing",
      negatable = true,
      description =
          "While requests are held for a starting backend, probe its pods with their own readiness"
              + " probe and release the requests the moment one passes, rather than waiting for the"
              + " kubelet's next probe period (--no-early-probing to wait). Env"
              + " FLYCAST_EARLY_PROBING.",
      defaultValue = "${env:FLYCAST_EARLY_PROBING:-true}",
      fallbackValue = "true")
  boolean earlyProbing;

  @Option(
      names = "--autostart-max-held",
      description =
          "Requests held per route while its backend starts; beyond this, 503. Env"
              + " FLYCAST_AUTOSTART_MAX_HELD.",
      defaultValue = "${env:FLYCAST_AUTOSTART_MAX_HELD:-1000}")
  int autostartMaxHeld;

  @Option(
      names = "--autostop-interval",
      description =
          "How often idle backends are considered for stopping (e.g. 5m, 30s). Env"
              + " FLYCAST_AUTOSTOP_INTERVAL.",
      defaultValue = "${env:FLYCAST_AUTOSTOP_INTERVAL:-5m}")
  String autostopInterval;
}
