package dev.backprop.web;

import com.fasterxml.jackson.core.JacksonException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.backprop.UserError;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.function.Function;

/**
 * The pipeline every API request goes through, in this order: the method (405), the content type (415), the
 * declared size (413), admission (503 when the workers and their queue are full), the body, read up to the limit
 * (413), then the work on a worker within the time limit (503 past it). Every answer is JSON. A refusal is
 * {@code {"error": "..."}} with one line that never holds a stack trace: malformed or out-of-range input is 400
 * ({@link UserError} and {@link JacksonException} mean that), and anything else is a bug, logged on the server's
 * stderr and answered 500.
 */
final class ApiEndpoint implements HttpHandler {

  /** What the work sees of a request: the media type without parameters, the body and the query parameters. */
  record Request(String mediaType, byte[] body, Map<String, String> query) {}

  /** Turns a request into the object answered as JSON; runs on an HTTP thread and may hand work to the workers. */
  interface Work {
    Object answer(Request request) throws Exception;
  }

  /** The most of an oversized body read before answering 413. */
  private static final long DRAINED = 64L << 20;

  private final Set<String> mediaTypes;
  private final Work work;
  private final ServerLimits limits;
  private final Semaphore admission;
  private final PrintStream log;

  /**
   * @param mediaTypes the content types the endpoint accepts
   * @param admission shared by all endpoints: one permit per request between admission and answer
   */
  ApiEndpoint(Set<String> mediaTypes, Work work, ServerLimits limits, Semaphore admission, PrintStream log) {
    this.mediaTypes = Set.copyOf(mediaTypes);
    this.work = work;
    this.limits = limits;
    this.admission = admission;
    this.log = log;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      Object answer;
      int status = 200;
      try {
        answer = answer(exchange);
      } catch (ApiError e) {
        status = e.status();
        answer = error(e.getMessage());
      } catch (UserError e) {
        status = 400;
        answer = error(e.getMessage());
      } catch (JacksonException e) {
        status = 400;
        answer = error("malformed JSON: " + e.getOriginalMessage().lines().findFirst().orElse("")
            + location(e));
      } catch (IOException e) {
        return; // the connection broke while the request was read: nobody is left to answer
      } catch (Throwable e) { // a bug: the client learns nothing of it but that it happened
        status = 500;
        answer = error("internal error; the server's log has the details");
        log.println("backprop serve: internal error on " + exchange.getRequestMethod() + " "
            + exchange.getRequestURI().getRawPath() + ": " + e);
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
      }
      Responses.json(exchange, status, answer);
    }
  }

  private Object answer(HttpExchange exchange) throws Exception {
    if (!exchange.getRequestMethod().equals("POST")) {
      exchange.getResponseHeaders().set("Allow", "POST");
      throw new ApiError(405, exchange.getRequestMethod() + " is not allowed here: use POST");
    }
    String mediaType = mediaType(exchange.getRequestHeaders().getFirst("Content-Type"));
    if (!mediaTypes.contains(mediaType)) {
      throw new ApiError(415, (mediaType.isEmpty() ? "no Content-Type" : "Content-Type " + mediaType)
          + ": expected one of " + String.join(", ", mediaTypes.stream().sorted().toList()));
    }
    String length = exchange.getRequestHeaders().getFirst("Content-Length");
    if (length != null && length.matches("\\d{1,18}") && Long.parseLong(length) > limits.maxBodyBytes()) {
      throw tooLarge(exchange);
    }
    if (!admission.tryAcquire()) {
      exchange.getResponseHeaders().set("Retry-After", "1");
      throw new ApiError(503, "the server is busy (" + (limits.workers() + limits.queue())
          + " requests in progress); try again");
    }
    try {
      byte[] body = readBody(exchange);
      return work.answer(new Request(mediaType, body, Responses.query(exchange.getRequestURI())));
    } finally {
      admission.release();
    }
  }

  /** The body, or 413 as soon as it passes the limit (a chunked upload has no Content-Length to check first). */
  private byte[] readBody(HttpExchange exchange) throws IOException {
    InputStream in = exchange.getRequestBody();
    byte[] body = in.readNBytes(limits.maxBodyBytes());
    if (in.read() != -1) {
      throw tooLarge(exchange);
    }
    return body;
  }

  /**
   * The 413, after reading and dropping what the client sends, up to {@value #DRAINED} bytes: a client still
   * writing its body when the connection closes may lose the answer to a reset. Beyond that the connection is
   * simply closed.
   */
  private ApiError tooLarge(HttpExchange exchange) {
    exchange.getResponseHeaders().set("Connection", "close");
    try {
      InputStream in = exchange.getRequestBody();
      byte[] scrap = new byte[64 << 10];
      for (long left = DRAINED; left > 0; ) {
        int read = in.read(scrap, 0, (int) Math.min(scrap.length, left));
        if (read < 0) {
          break;
        }
        left -= read;
      }
    } catch (IOException e) {
      // the client has gone: nobody is left to answer
    }
    return new ApiError(413, "the request body is larger than the limit of " + limits.maxBodyBytes() + " bytes");
  }

  /** "image/PNG; charset=x" → "image/png"; none → "". */
  static String mediaType(String contentType) {
    if (contentType == null) {
      return "";
    }
    int parameters = contentType.indexOf(';');
    return (parameters < 0 ? contentType : contentType.substring(0, parameters)).strip().toLowerCase(Locale.ROOT);
  }

  static Map<String, String> error(String message) {
    return Map.of("error", message);
  }

  private static String location(JacksonException e) {
    return e.getLocation() == null || e.getLocation().getLineNr() < 1 ? ""
        : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
  }
}
