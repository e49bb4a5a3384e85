package dev.backprop.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.backprop.layers.ReLU;
import dev.backprop.layers.Sequential;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Admission, the time limit and bugs, with work that waits for the test's signal instead of a busy model. */
class ApiEndpointTest {
  private static final ServerLimits ONE_AT_A_TIME = new ServerLimits(1024, 1000, 1, 0, Duration.ofSeconds(10));

  private final HttpClient client = HttpClient.newHttpClient();
  private final ByteArrayOutputStream log = new ByteArrayOutputStream();
  private HttpServer server;
  private Workers workers;

  private URI serve(ApiEndpoint.Work work, ServerLimits limits) throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/work", new ApiEndpoint(Set.of("application/json"), work, limits,
        new Semaphore(limits.workers() + limits.queue()), new PrintStream(log, true, StandardCharsets.UTF_8)));
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/work");
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
    if (workers != null) {
      workers.close();
    }
  }

  private CompletableFuture<HttpResponse<String>> send(URI uri) {
    return client.sendAsync(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aRequestBeyondTheWorkersAndTheQueueIsAnswered503AtOnce() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    URI uri = serve(request -> {
      started.countDown();
      release.await();
      return Map.of("done", true);
    }, ONE_AT_A_TIME);

    CompletableFuture<HttpResponse<String>> first = send(uri);
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    HttpResponse<String> second = send(uri).get(10, TimeUnit.SECONDS);

    assertThat(second.statusCode()).isEqualTo(503);
    assertThat(second.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(new ObjectMapper().readTree(second.body()).get("error").asText()).contains("busy");
    release.countDown();
    assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(send(uri).get(10, TimeUnit.SECONDS).statusCode()).as("admitted again once the first is done")
        .isEqualTo(200);
  }

  @Test
  void workPastTheTimeLimitIsAnswered503AndTheWorkerServesOnAfterwards() throws Exception {
    workers = new Workers(List.of(new Sequential(new ReLU())));
    CountDownLatch release = new CountDownLatch(1);
    ServerLimits limits = new ServerLimits(1024, 1000, 1, 4, Duration.ofMillis(200));
    URI slow = serve(request -> workers.compute(predictor -> {
      try {
        return release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }, limits.timeLimit()), limits);

    HttpResponse<String> late = send(slow).get(10, TimeUnit.SECONDS);

    assertThat(late.statusCode()).isEqualTo(503);
    assertThat(late.body()).contains("longer than the server's limit of 200 ms");
    release.countDown();
    String answer = workers.compute(predictor -> "free", Duration.ofSeconds(10));
    assertThat(answer).isEqualTo("free");
  }

  @Test
  void aBugIsA500WithoutItsStackTraceWhichGoesToTheLog() throws Exception {
    URI uri = serve(request -> {
      throw new NullPointerException("a bug in the work");
    }, ONE_AT_A_TIME);

    HttpResponse<String> answer = send(uri).get(10, TimeUnit.SECONDS);

    assertThat(answer.statusCode()).isEqualTo(500);
    assertThat(answer.body()).isEqualTo("{\"error\":\"internal error; the server's log has the details\"}");
    assertThat(log.toString(StandardCharsets.UTF_8)).contains("POST /work", "NullPointerException: a bug in the work");
    assertThat(send(uri).get(10, TimeUnit.SECONDS).statusCode()).as("still serving").isEqualTo(500);
  }

  @Test
  void aChunkedBodyOverTheLimitIs413() throws Exception {
    URI uri = serve(request -> Map.of("bytes", request.body().length), ONE_AT_A_TIME);
    // no Content-Length: the stream is read up to the limit and refused there
    HttpResponse<String> answer = client.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(new byte[4096])))
        .build(), HttpResponse.BodyHandlers.ofString());

    assertThat(answer.statusCode()).isEqualTo(413);
    assertThat(answer.body()).contains("larger than the limit of 1024 bytes");
    HttpResponse<String> small = client.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(small.body()).isEqualTo("{\"bytes\":2}");
  }
}
