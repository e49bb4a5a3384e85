package dev.backprop.web;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPOutputStream;

/** Writing answers, and the JSON mapper the API reads and writes with. */
final class Responses {

  /**
   * Strict about what it reads: a key given twice, or anything after the JSON value, is malformed. Numbers with a
   * fraction are read as BigDecimal, so that a learning rate keeps the text it was written with, as on the
   * command line ({@code 2.0} names {@code steps_lr2.0.csv}).
   */
  static final ObjectMapper JSON = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
      .build();

  /** Smaller answers are sent as they are: compressing them saves less than it costs. */
  private static final int COMPRESS_FROM = 4096;

  private Responses() {}

  static void json(HttpExchange exchange, int status, Object answer) throws IOException {
    send(exchange, status, "application/json; charset=utf-8", JSON.writeValueAsBytes(answer));
  }

  /** Sends the body, gzipped when the client accepts it and it is worth it; HEAD gets the headers only. */
  static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
    String accepted = exchange.getRequestHeaders().getFirst("Accept-Encoding");
    if (body.length >= COMPRESS_FROM && accepted != null && accepted.contains("gzip")) {
      ByteArrayOutputStream compressed = new ByteArrayOutputStream(body.length / 3);
      try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
        gzip.write(body);
      }
      body = compressed.toByteArray();
      exchange.getResponseHeaders().set("Content-Encoding", "gzip");
    }
    exchange.getResponseHeaders().set("Vary", "Accept-Encoding");
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : body.length == 0 ? -1 : body.length);
    if (!head && body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /** The body as one JSON object; anything else is a 400. */
  static JsonNode readJson(byte[] body) throws IOException {
    if (body.length == 0) {
      throw new ApiError(400, "the request body is empty: expected a JSON object");
    }
    JsonNode json = JSON.readTree(body);
    if (json == null || !json.isObject()) {
      throw new ApiError(400, "expected a JSON object, got " + (json == null ? "nothing" : json.getNodeType()
          .toString().toLowerCase(Locale.ROOT)));
    }
    return json;
  }

  /** A field the endpoint does not know is refused: a typo would otherwise be silently ignored. */
  static void refuseUnknownFields(JsonNode json, Set<String> known) {
    for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!known.contains(name)) {
        throw new ApiError(400, "unknown field '" + name + "' (known: "
            + String.join(", ", known.stream().sorted().toList()) + ")");
      }
    }
  }

  /** The query's parameters; a name without a value maps to "". A malformed escape is a 400. */
  static Map<String, String> query(URI uri) {
    Map<String, String> parameters = new LinkedHashMap<>();
    String raw = uri.getRawQuery();
    if (raw == null || raw.isEmpty()) {
      return parameters;
    }
    for (String pair : raw.split("&")) {
      int equals = pair.indexOf('=');
      String name = equals < 0 ? pair : pair.substring(0, equals);
      String value = equals < 0 ? "" : pair.substring(equals + 1);
      try {
        parameters.put(URLDecoder.decode(name, StandardCharsets.UTF_8),
            URLDecoder.decode(value, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw new ApiError(400, "malformed query: " + e.getMessage());
      }
    }
    return parameters;
  }
}
