package io.flycast.control.translate;

import io.flycast.catalog.RouteSpec;
import java.util.List;

/**
 * The route made from an object, and what was wrong with it. Problems never stop routing: they say
 * what was ignored or defaulted, and become Events and status conditions.
 *
 * @param spec the route
 * @param problems messages a person can act on; empty when all is well
 */
public record Translation(RouteSpec spec, List<String> problems) {
  public Translation {
    problems = List.copyOf(problems);
  }
}
