/**
 * The Kubernetes API types Flycast defines (group {@code fly.io}, version {@code v1alpha1}). The
 * CRD YAML in {@code crds/} is generated from these classes; nobody edits the YAML. Every list, map
 * and string in them is bounded ({@link io.flycast.api.Limits}), so that a real API server accepts
 * the CRDs' CEL rules; CrdBoundsTest keeps it so.
 */
package io.flycast.api;
