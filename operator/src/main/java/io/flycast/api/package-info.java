/**
 * The Kubernetes API types Flycast defines (group {@code fly.io}, version {@code v1alpha1}).
 * The CRD YAML in {@code crds/} is generated from these classes; nobody edits the YAML.
 */
package io.flycast.api;
