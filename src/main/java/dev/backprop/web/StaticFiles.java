package dev.backprop.web;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The pages, their scripts and styles, served from the jar's resources ({@code dev/backprop/web/static}): plain
 * HTML, CSS and JavaScript with no build step and nothing fetched from elsewhere. Each file is read once, at start.
 */
final class StaticFiles implements HttpHandler {
  private static final String ROOT = "static/";

  /** The pages by path, then the files they load by name under /static/. */
  private static final Map<String, String> PAGES = Map.of("/", "index.html", "/explorer", "explorer.html");
  private static final String[] ASSETS = {"style.css", "common.js", "draw.js", "explorer.js", "favicon.svg"};
  private static final Map<String, String> TYPES = Map.of(
      "html", "text/html; charset=utf-8", "css", "text/css; charset=utf-8",
      "js", "text/javascript; charset=utf-8", "svg", "image/svg+xml");

  private final Map<String, byte[]> files = new HashMap<>();

  StaticFiles() {
    PAGES.forEach((path, name) -> files.put(path, resource(name)));
    for (String name : ASSETS) {
      files.put("/static/" + name, resource(name));
    }
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      byte[] file = files.get(path);
      if (file == null) {
        Responses.send(exchange, 404, "text/plain; charset=utf-8",
            ("Not found: " + path + "\nThe pages are / and /explorer.\n").getBytes(StandardCharsets.UTF_8));
      } else if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        Responses.send(exchange, 405, "text/plain; charset=utf-8",
            (method + " is not allowed here\n").getBytes(StandardCharsets.UTF_8));
      } else {
        String name = PAGES.getOrDefault(path, path);
        Responses.send(exchange, 200, TYPES.get(name.substring(name.lastIndexOf('.') + 1)), file);
      }
    }
  }

  private static byte[] resource(String name) {
    try (InputStream in = StaticFiles.class.getResourceAsStream(ROOT + name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + ROOT + name + " in the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
