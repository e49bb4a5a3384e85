package dev.backprop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ServeCommandTest {

  private static String checkpoint() throws Exception {
    return Path.of(ServeCommandTest.class.getResource("/web/ref15k-5epochs.safetensors").toURI()).toString();
  }

  @Test
  void printsItsUrlServesUntilStoppedAndExitsZero() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    AtomicInteger exitCode = new AtomicInteger(-1);
    String[] args = {"serve", "--checkpoint", checkpoint(), "--port", "0", "--workers", "1"};
    Thread serving = new Thread(() -> exitCode.set(Main.run(args, new PrintWriter(out, true),
        new PrintWriter(err, true))));
    serving.start();
    Matcher url = Pattern.compile("at (http://127\\.0\\.0\\.1:\\d+/)").matcher("");
    for (int waited = 0; waited < 200 && !url.reset(out.toString()).find(); waited++) {
      Thread.sleep(50);
    }
    assertThat(url.reset(out.toString()).find()).as(out + err.toString()).isTrue();
    assertThat(out.toString()).startsWith("Serving ref15k (").contains("/explorer  the worked example");

    HttpResponse<String> about = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(url.group(1) + "api/model")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(about.statusCode()).isEqualTo(200);
    assertThat(about.body()).contains("\"model\":\"ref15k\"", "ref15k-5epochs.safetensors");

    serving.interrupt();
    serving.join(10_000);
    assertThat(exitCode.get()).isZero();
  }

  @Test
  void mistakesAreOneLineAndExitTwo() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String port = Integer.toString(taken.getLocalPort());
      String[][] cases = {
        {"serve", "--checkpoint", "nowhere.safetensors", "--port", "0"},
        {"serve", "--checkpoint", checkpoint(), "--port", "70000"},
        {"serve", "--checkpoint", checkpoint(), "--workers", "0"},
        {"serve", "--checkpoint", checkpoint(), "--port", port},
      };
      String[] messages = {"no checkpoint at nowhere.safetensors", "--port must be between 0 and 65535",
        "--workers must be between 1 and 64", "cannot listen on 127.0.0.1:" + port};
      for (int i = 0; i < cases.length; i++) {
        MainTest.Run run = MainTest.run(cases[i]);
        assertThat(run.exitCode()).as(run.err()).isEqualTo(Main.USAGE_ERROR);
        assertThat(run.err().lines()).singleElement().asString().startsWith("backprop: " + messages[i]);
      }
    }
  }
}
