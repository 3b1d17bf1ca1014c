package io.flycast.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One allocated Flycast address, cluster-scoped and named by the address (colons become dashes, as
 * in {@code fdaa-0-48c8-0-1--1a}). Creating it is the allocation lock: the API server refuses a
 * second object of the same name, so two operators can never hand out one address (the design of
 * KEP-1880's IPAddress objects).
 */
@Group(ExposedService.GROUP)
@Version(ExposedService.VERSION)
@AdditionalPrinterColumn(
    name = "Address",
    jsonPath = ".spec.address",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Owner-Kind",
    jsonPath = ".spec.owner.kind",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Owner-Namespace",
    jsonPath = ".spec.owner.namespace",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Owner",
    jsonPath = ".spec.owner.name",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class FlycastIP extends CustomResource<FlycastIPSpec, Void> {}
