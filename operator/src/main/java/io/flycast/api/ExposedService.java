package io.flycast.api;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.SchemaSwap;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A service exposed through the Flycast proxy, modelled on fly.toml's {@code [[services]]}: a
 * Flycast address, ports with connection handlers, concurrency limits, autostop/autostart.
 */
@Group(ExposedService.GROUP)
@Version(ExposedService.VERSION)
@ShortNames("exsvc")
// `kubectl get all` lists ExposedServices next to the Deployments and Services they route to;
// `kubectl get flycast` lists only Flycast's own kinds.
@Categories({"all", "flycast"})
@AdditionalPrinterColumn(
    name = "Address",
    jsonPath = ".status.address",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Ports",
    jsonPath = ".status.ports",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Machines",
    jsonPath = ".status.machines.summary",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Sync",
    jsonPath = ".status.syncVersion",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@SchemaSwap(
    originalType = ExposedServiceStatus.class,
    fieldName = "conditions",
    targetType = ExposedServiceStatus.ConditionSchema[].class)
public class ExposedService extends CustomResource<ExposedServiceSpec, ExposedServiceStatus>
    implements Namespaced {
  public static final String GROUP = "fly.io";
  public static final String VERSION = "v1alpha1";
  public static final String KIND = "ExposedService";

  /**
   * Read so that a value this model cannot read (another CRD version's, or stored before the schema
   * checked it) is left out and reported, not fatal to the informer that reads every
   * ExposedService: see {@link TolerantDeserializer}.
   */
  @Override
  @JsonDeserialize(using = TolerantDeserializer.Spec.class)
  public void setSpec(ExposedServiceSpec spec) {
    super.setSpec(spec);
  }

  @Override
  @JsonDeserialize(using = TolerantDeserializer.Status.class)
  public void setStatus(ExposedServiceStatus status) {
    super.setStatus(status);
  }
}
