package io.flycast.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;

/**
 * The route's HTTP response cache (RFC 9111, shared): opt-in with {@code enabled: true}. Sizes are
 * byte counts with an optional Ki, Mi or Gi suffix. Sizes the proxy cannot use (zero or negative,
 * an entry larger than the cache, a cache larger than the replica's {@code --cache-max-size}) are
 * not refused by the schema: they are reported in the status (Valid=False) and the route serves
 * without a cache meanwhile, as with annotations.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CacheSpec {
  @JsonPropertyDescription("Store cacheable responses and answer from them (default false).")
  public Boolean enabled;

  @Size(max = 32)
  @JsonPropertyDescription(
      "The route's cache size on each proxy replica, e.g. 64Mi (default 64Mi, or the replica's"
          + " cache size when that is smaller).")
  public String maxSize;

  @Size(max = 32)
  @JsonPropertyDescription(
      "The largest response body stored, e.g. 1Mi (default 1Mi); larger ones stream through"
          + " uncached.")
  public String maxEntrySize;
}
