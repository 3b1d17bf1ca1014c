package io.flycast.embedded;

import io.fabric8.mockwebserver.http.MockResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code pods/NAME/log}: the pod's output as the local runtime wrote it ({@code
 * <dir>/<namespace>_<pod>.log}), with {@code tailLines}; never anything else of the store.
 */
final class PodLogs {
  private volatile Path dir;

  void serveFrom(Path dir) {
    this.dir = dir;
  }

  MockResponse read(ResourcePath path, Query query) {
    Path d = dir;
    Path file = d == null ? null : d.resolve(path.namespace() + "_" + path.name() + ".log");
    if (file == null || !Files.isRegularFile(file) || path.name().contains("/")) {
      return ApiStatus.failure(
          404,
          "NotFound",
          "no log for pod \"" + path.name() + "\" in namespace \"" + path.namespace() + "\"");
    }
    try {
      List<String> lines = Files.readAllLines(file);
      String tail = query.get("tailLines");
      if (tail != null) {
        int n = Math.max(0, Integer.parseInt(tail));
        lines = new ArrayList<>(lines.subList(Math.max(0, lines.size() - n), lines.size()));
      }
      StringBuilder out = new StringBuilder();
      lines.forEach(l -> out.append(l).append('\n'));
      return new MockResponse()
          .setResponseCode(200)
          .setHeader("Content-Type", "text/plain")
          .setBody(out.toString());
    } catch (IOException | NumberFormatException e) {
      return ApiStatus.failure(400, "BadRequest", "cannot read the pod's log: " + e);
    }
  }
}
