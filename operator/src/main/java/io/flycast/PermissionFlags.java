package io.flycast;

import io.flycast.catalog.ScaleKinds;
import io.flycast.control.translate.SecretNamespaces;
import picocli.CommandLine.Option;

/**
 * What the install's RBAC lets the operator read and scale beyond its fixed grants: the flags of
 * {@link Main}, as a picocli mixin, read into {@link FlycastConfig.Permissions}.
 */
final class PermissionFlags {

  @Option(
      names = "--secret-namespaces",
      description =
          "Comma-separated namespaces whose TLS Secrets are read, one watch each, so Secrets need"
              + " granting there only; a route elsewhere cannot terminate TLS (its status says so)."
              + " Empty: every namespace. Env FLYCAST_SECRET_NAMESPACES.",
      defaultValue = "${env:FLYCAST_SECRET_NAMESPACES:-}")
  String secretNamespaces;

  @Option(
      names = "--scale-kinds",
      description =
          "Comma-separated kinds autostop/autostart may scale, as <apiVersion>/<Kind>=<resource>"
              + " (what RBAC grants /scale on); a route naming another kind gets no autoscale and a"
              + " Valid=False condition saying what to set. Empty: none (autoscale off). Env"
              + " FLYCAST_SCALE_KINDS.",
      defaultValue =
          "${env:FLYCAST_SCALE_KINDS:-apps/v1/Deployment=deployments,apps/v1/StatefulSet=statefulsets}")
  String scaleKinds;

  FlycastConfig.Permissions permissions() {
    return new FlycastConfig.Permissions(
        SecretNamespaces.parse(secretNamespaces),
        ScaleKinds.parse(scaleKinds == null ? "" : scaleKinds));
  }
}
