package dev.backprop.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.backprop.cli.Main;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API over real HTTP on loopback: answers equal to the commands', and every refusal a one-line JSON error. */
class WebServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static WebServer server;
  private static HttpClient client;

  @BeforeAll
  static void start() throws IOException {
    server = WebServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Fixture.models(2),
        new WebServer.ModelInfo("ref15k", "c8 ...", "ref15k-5epochs.safetensors"),
        ServerLimits.defaults().withWorkers(2), new PrintStream(System.err, true));
    client = HttpClient.newHttpClient();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  record Answer(int status, JsonNode json, HttpResponse<byte[]> response) {}

  static Answer post(String path, String contentType, byte[] body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(server.url().resolve(path))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    return new Answer(response.statusCode(), JSON.readTree(response.body()), response);
  }

  static Answer postJson(String path, String json) throws Exception {
    return post(path, "application/json", json.getBytes(StandardCharsets.UTF_8));
  }

  /** A refusal: the status, JSON with one "error" line and nothing that looks like a stack trace. */
  static void assertRefused(Answer answer, int status, String message) throws Exception {
    assertThat(answer.status()).as(answer.json().toString()).isEqualTo(status);
    assertThat(answer.response().headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
    assertThat(answer.json().size()).isEqualTo(1);
    String error = answer.json().get("error").asText();
    assertThat(error).contains(message).doesNotContain("\n", "Exception", "at dev.", "at java.");
    assertStillServing();
  }

  static void assertStillServing() throws Exception {
    Answer answer = post("/api/predict", "image/png", Fixture.encode(Fixture.seven(), "png"));
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.json().get("digit").asInt()).isEqualTo(7);
  }

  @Test
  void anImageGetsPredictsAnswer(@TempDir Path temp) throws Exception {
    Path png = temp.resolve("seven.png");
    Files.write(png, Fixture.encode(Fixture.seven(), "png"));
    String predict = cli("predict", "--checkpoint", Fixture.checkpoint().toString(), "--json", png.toString());
    JsonNode expected = JSON.readTree(predict).get("predictions").get(0);

    for (String format : List.of("png", "bmp", "gif")) {
      Answer answer = post("/api/predict", "image/" + format, Fixture.encode(Fixture.seven(), format));

      assertThat(answer.status()).isEqualTo(200);
      assertThat(answer.json().get("digit")).isEqualTo(expected.get("digit"));
      assertThat(answer.json().get("probabilities")).as(format).isEqualTo(expected.get("probabilities"));
      assertThat(answer.json().get("input")).hasSize(784);
      assertThat(answer.json().has("feature_maps")).isFalse();
    }
    Answer jpeg = post("/api/predict", "image/jpeg", Fixture.encode(Fixture.seven(), "jpeg"));
    assertThat(jpeg.json().get("digit").asInt()).isEqualTo(7);
  }

  @Test
  void pixelsAreTheInputItselfAndDetailAddsMapsAndSaliency() throws Exception {
    Answer image = post("/api/predict?detail=1", "image/png", Fixture.encode(Fixture.seven(), "png"));
    Answer pixels = postJson("/api/predict", "{\"pixels\": " + image.json().get("input") + ", \"detail\": true}");

    assertThat(pixels.status()).isEqualTo(200);
    assertThat(pixels.json().get("probabilities")).isEqualTo(image.json().get("probabilities"));
    assertThat(pixels.json().get("input")).isEqualTo(image.json().get("input"));
    assertThat(pixels.json().get("saliency")).hasSize(784).isEqualTo(image.json().get("saliency"));
    JsonNode maps = pixels.json().get("feature_maps");
    assertThat(maps).hasSize(8);
    assertThat(maps.get(0).get("layer").asText()).isEqualTo("Conv2d-1 → ReLU-2");
    assertThat(maps.get(0).get("shape")).isEqualTo(JSON.readTree("[8, 26, 26]"));
    assertThat(maps.get(0).get("values")).hasSize(8 * 26 * 26);
  }

  @Test
  void badRequestsAreRefusedWithOneLineAndTheServerKeepsServing() throws Exception {
    assertRefused(post("/api/predict", "application/json", new byte[5_000_000]), 413, "larger than the limit");
    assertRefused(post("/api/predict", "image/png", new byte[5_000_000]), 413, "larger than the limit");
    assertRefused(postJson("/api/predict", "garbage"), 400, "malformed JSON");
    assertRefused(postJson("/api/predict", "{\"pixels\": [1, 2"), 400, "malformed JSON");
    assertRefused(post("/api/predict", "image/png", "garbage".getBytes(StandardCharsets.UTF_8)), 400,
        "not an image");
    assertRefused(post("/api/predict", "image/png", Fixture.encode(Fixture.blank(), "png")), 400, "no digit");
    assertRefused(post("/api/predict", "text/plain", "7".getBytes(StandardCharsets.UTF_8)), 415, "text/plain");
    assertRefused(post("/api/predict", null, new byte[10]), 415, "no Content-Type");
    assertRefused(postJson("/api/predict", "{\"pixels\": [0.5]}"), 400, "expected 784 numbers");
    assertRefused(postJson("/api/predict", pixels("1.5")), 400, "pixels[783]: 1.5 is outside 0..1");
    assertRefused(postJson("/api/predict", pixels("\"x\"")), 400, "pixels[783]: \"x\" is not a number");
    assertRefused(postJson("/api/predict", "{\"pixel\": []}"), 400, "unknown field 'pixel'");
    assertRefused(postJson("/api/predict", "{\"pixels\": [], \"pixels\": []}"), 400, "Duplicate field");
    assertRefused(postJson("/api/predict", "[1, 2]"), 400, "expected a JSON object");
    assertRefused(postJson("/api/sheet", ""), 400, "the request body is empty");
    assertRefused(postJson("/api/predict?detail=maybe", pixels("0")), 400, "detail");
    assertRefused(postJson("/api/sheet", "{\"lr\": [0.5, -1]}"), 400, "lr: a learning rate must be positive");
    assertRefused(postJson("/api/sheet", "{\"steps\": 1001}"), 400, "steps: must be between 1 and 1000");
    assertRefused(postJson("/api/sheet", "{\"weights\": [1, 2]}"), 400, "weights: expected 8");
    assertRefused(postJson("/api/sheet", "{\"inputs\": \"0.05,abc\"}"), 400, "inputs: 'abc' is not a number");
    assertRefused(postJson("/api/sheet", "{\"lr\": \"0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1,2\"}"), 400,
        "at most 10");
    assertRefused(postJson("/api/sheet", "{\"train-biases\": true}"), 400, "the network has no biases");
    assertRefused(postJson("/api/sheet", "{\"train-biases\": \"yes\"}"), 400, "expected true or false");
    assertRefused(postJson("/api/sheet", "{\"weights\": {\"w1\": 1}}"), 400, "expected numbers or text");
    assertRefused(postJson("/api/sheet", "{\"rate\": 1}"), 400, "unknown field 'rate'");

    HttpResponse<byte[]> get = client.send(HttpRequest.newBuilder(server.url().resolve("/api/predict")).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertRefused(new Answer(get.statusCode(), JSON.readTree(get.body()), get), 405, "use POST");
    HttpResponse<byte[]> none = client.send(HttpRequest.newBuilder(server.url().resolve("/api/nothing")).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertRefused(new Answer(none.statusCode(), JSON.readTree(none.body()), none), 404, "no such endpoint");
  }

  @Test
  void sheetAnswersTheCsvRowsOfTheSheetCommand(@TempDir Path temp) throws Exception {
    record Case(String json, List<String> args, List<String> labels) {}
    List<Case> cases = List.of(
        new Case("{}", List.of(), List.of("0.1", "0.2", "0.5", "0.8", "1.0", "2.0")),
        new Case("{\"lr\": [0.5, 2.0], \"steps\": 30, \"weights\": [0.1, -0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8],"
            + " \"inputs\": \"0.3,0.7\", \"targets\": [0.01, 0.99]}",
            List.of("--lr", "0.5,2.0", "--steps", "30", "--weights", "0.1,-0.2,0.3,0.4,0.5,0.6,0.7,0.8",
                "--inputs", "0.3,0.7", "--targets", "0.01,0.99"), List.of("0.5", "2.0")),
        new Case("{\"preset\": \"mazur\", \"lr\": \"0.5\", \"steps\": \"12\", \"train-biases\": true}",
            List.of("--preset", "mazur", "--lr", "0.5", "--steps", "12", "--train-biases"), List.of("0.5")));
    int run = 0;
    for (Case c : cases) {
      Path out = temp.resolve("run" + run++);
      List<String> args = new ArrayList<>(List.of("sheet", "--out", out.toString()));
      args.addAll(c.args());
      cli(args.toArray(String[]::new));

      Answer answer = postJson("/api/sheet", c.json());

      assertThat(answer.status()).as(c.json()).isEqualTo(200);
      assertThat(answer.json().get("check").get("passes").asBoolean()).isTrue();
      JsonNode trajectories = answer.json().get("trajectories");
      assertThat(trajectories).hasSize(c.labels().size());
      for (int t = 0; t < c.labels().size(); t++) {
        String label = c.labels().get(t);
        JsonNode trajectory = trajectories.get(t);
        assertThat(trajectory.get("lr").asText()).isEqualTo(label);
        List<String> csv = Files.readAllLines(out.resolve("steps_lr" + label + ".csv"));
        assertThat(String.join(",", toText(answer.json().get("columns")))).isEqualTo(csv.getFirst());
        assertThat(trajectory.get("rows")).hasSize(csv.size() - 1);
        for (int row = 1; row < csv.size(); row++) {
          // JSON numbers and the CSV are both Double.toString of the same doubles, so the text is the same
          List<String> cells = toText(trajectory.get("rows").get(row - 1));
          assertThat(String.join(",", cells)).as("%s, lr %s, row %d", c.json(), label, row)
              .isEqualTo(csv.get(row));
        }
        assertThat(trajectory.get("steps")).hasSize(csv.size() - 1);
      }
    }
  }

  @Test
  void sheetStepsCarryTheFiniteDifferencesUpdatesAndChainRule() throws Exception {
    JsonNode answer = postJson("/api/sheet", "{\"lr\": [0.5], \"steps\": 3}").json();

    JsonNode step0 = answer.get("trajectories").get(0).get("steps").get(0);
    JsonNode row1 = answer.get("trajectories").get(0).get("rows").get(1);
    List<String> columns = toText(answer.get("columns"));
    assertThat(step0.get("next").get(4).asDouble()).as("w5 − η·g is step 1's w5")
        .isEqualTo(row1.get(columns.indexOf("w5")).asDouble());
    double g5 = answer.get("trajectories").get(0).get("rows").get(0).get(columns.indexOf("dE_dw5")).asDouble();
    assertThat(step0.get("fd").get(4).asDouble()).isCloseTo(g5, org.assertj.core.api.Assertions.within(1e-9));
    assertThat(answer.get("chain").get("w1")).hasSize(2);
    assertThat(answer.get("chain").get("w1").get(0).get(2).get("formula").asText()).isEqualTo("w5");
    JsonNode pathsOfW5 = step0.get("chain").get("w5");
    assertThat(pathsOfW5).hasSize(1);
    assertThat(pathsOfW5.get(0)).hasSize(4); // three factors and their product
    assertThat(pathsOfW5.get(0).get(3).asDouble()).isCloseTo(g5, org.assertj.core.api.Assertions.within(1e-17));
  }

  @Test
  void pagesAndTheirFilesComeFromTheJar() throws Exception {
    for (Map.Entry<String, String> page : Map.of("/", "Draw a digit", "/explorer", "the worked example",
        "/static/style.css", "--accent", "/static/explorer.js", "/api/sheet").entrySet()) {
      HttpResponse<String> response = client.send(HttpRequest.newBuilder(server.url().resolve(page.getKey()))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(page.getKey()).isEqualTo(200);
      assertThat(response.body()).contains(page.getValue());
    }
    HttpResponse<String> missing = client.send(HttpRequest.newBuilder(server.url().resolve("/nothing")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(server.url()).isEqualTo(URI.create("http://127.0.0.1:" + server.port() + "/"));
  }

  /** Runs a command of ours and returns what it printed; it must succeed. */
  static String cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    assertThat(Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true))).as(err.toString()).isZero();
    return out.toString();
  }

  private static String pixels(String last) {
    return "{\"pixels\": [" + "0,".repeat(783) + last + "]}";
  }

  private static List<String> toText(JsonNode array) {
    List<String> text = new ArrayList<>();
    array.forEach(node -> text.add(node.isTextual() ? node.asText()
        : node.isIntegralNumber() ? Long.toString(node.asLong()) : Double.toString(node.asDouble())));
    return text;
  }
}
