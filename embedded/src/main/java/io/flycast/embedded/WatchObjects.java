package io.flycast.embedded;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Writes the object of one streamed watch event. kubectl's {@code get -w} asks for Table rows
 * ({@code Accept: application/json;as=Table;...}), which {@code Reads#watchObject} answers with a
 * one-row Table; {@link #AS_STORED} writes the object as stored, which kubectl also accepts (and
 * prints with NAME and AGE). The server plugs it in with {@link ApiFront#writeWatchObjectsWith}.
 */
@FunctionalInterface
interface WatchObjects {
  /** As stored, whatever was asked. */
  WatchObjects AS_STORED = (object, accept, path) -> object;

  /**
   * The event's object as the client asked for it.
   *
   * @param object the object as stored
   * @param accept the watch request's Accept header (null without one)
   * @param path the watched collection
   */
  JsonNode write(JsonNode object, String accept, ResourcePath path);
}
