package dev.backprop.web;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.backprop.layers.Sequential;
import java.io.IOException;
import java.io.PrintStream;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * {@code backprop serve}: the two pages and the JSON API on the JDK's HTTP server.
 * <pre>
 *   GET  /              draw a digit: prediction, probabilities, the model's input, feature maps, saliency
 *   GET  /explorer      the worked example: diagram, chain rule per weight, steps, the learning-rate sweep
 *   POST /api/predict   an image or {"pixels": [784]}  → {"digit", "probabilities", "input"[, "feature_maps",
 *                       "saliency"]}
 *   POST /api/sheet     the sheet command's options    → the steps of every learning rate
 *   GET  /api/model     which model answers
 * </pre>
 * HTTP threads are virtual and only read, parse and write; the answers are computed by a fixed pool of workers,
 * each with its own copy of the model ({@link Workers}), and at most workers + queue requests are admitted at once
 * ({@link ApiEndpoint}).
 */
public final class WebServer implements AutoCloseable {

  /** What {@code GET /api/model} says about the model. */
  public record ModelInfo(String name, String arch, String checkpoint) {}

  private final HttpServer server;
  private final ExecutorService http;
  private final Workers workers;

  private WebServer(HttpServer server, ExecutorService http, Workers workers) {
    this.server = server;
    this.http = http;
    this.workers = workers;
  }

  /**
   * Starts serving on {@code address} (port 0: any free port) with one worker per model; errors that are bugs are
   * logged on {@code log}.
   */
  public static WebServer start(InetSocketAddress address, List<Sequential> models, ModelInfo info,
      ServerLimits limits, PrintStream log) throws IOException {
    if (models.size() != limits.workers()) {
      throw new IllegalArgumentException(models.size() + " models for " + limits.workers() + " workers");
    }
    configureJdkServer(limits);
    HttpServer server = HttpServer.create(address, 128);
    ExecutorService http = Executors.newVirtualThreadPerTaskExecutor();
    Workers workers = new Workers(models);
    Semaphore admission = new Semaphore(limits.workers() + limits.queue());
    server.setExecutor(http);
    server.createContext("/", new StaticFiles());
    server.createContext("/api/predict",
        new ApiEndpoint(PredictApi.MEDIA_TYPES, new PredictApi(workers, limits), limits, admission, log));
    server.createContext("/api/sheet",
        new ApiEndpoint(Set.of("application/json"), new SheetApi(workers, limits), limits, admission, log));
    server.createContext("/api/model", exchange -> about(exchange, info));
    server.createContext("/api/", exchange -> {
      try (exchange) {
        Responses.json(exchange, 404, ApiEndpoint.error("no such endpoint: " + exchange.getRequestURI().getPath()
            + " (there are /api/predict, /api/sheet and /api/model)"));
      }
    });
    server.start();
    return new WebServer(server, http, workers);
  }

  /** The address to open in a browser, e.g. http://127.0.0.1:8080/. */
  public URI url() {
    InetSocketAddress address = server.getAddress();
    String host = address.getAddress() instanceof Inet6Address
        ? "[" + address.getAddress().getHostAddress() + "]" : address.getAddress().getHostAddress();
    return URI.create("http://" + host + ":" + address.getPort() + "/");
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    http.shutdownNow();
    workers.close();
  }

  private static void about(HttpExchange exchange, ModelInfo info) throws IOException {
    try (exchange) {
      Responses.json(exchange, 200, Map.of("model", info.name(), "arch", info.arch(),
          "checkpoint", info.checkpoint()));
    }
  }

  /**
   * The JDK server's own limits, read once per JVM from system properties (a value set by the user wins): a
   * client gets the time limit to send its request and to take the answer, so a slow one cannot hold a connection
   * for ever, and small answers go out at once rather than after Nagle's delay.
   */
  private static void configureJdkServer(ServerLimits limits) {
    String seconds = Long.toString(Math.max(1, limits.timeLimit().toSeconds()));
    System.getProperties().putIfAbsent("sun.net.httpserver.maxReqTime", seconds);
    System.getProperties().putIfAbsent("sun.net.httpserver.maxRspTime", seconds);
    System.getProperties().putIfAbsent("sun.net.httpserver.nodelay", "true");
  }
}
