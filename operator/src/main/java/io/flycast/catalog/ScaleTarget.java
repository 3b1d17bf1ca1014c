package io.flycast.catalog;

/** The workload that autostop/autostart scales, as an API reference (Deployment, StatefulSet…). */
public record ScaleTarget(String apiVersion, String kind, String name) {}
