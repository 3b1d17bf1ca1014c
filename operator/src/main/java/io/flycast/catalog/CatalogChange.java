package io.flycast.catalog;

import java.util.Set;

/**
 * What one publish changed.
 *
 * @param catalog the snapshot just published
 * @param specsChanged routes whose spec was added, changed or removed in this publish
 * @param backendsChanged routes whose backends changed in this publish
 */
public record CatalogChange(
    Catalog catalog, Set<RouteKey> specsChanged, Set<RouteKey> backendsChanged) {}
