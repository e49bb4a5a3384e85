package dev.backprop.cli;

import dev.backprop.UserError;
import dev.backprop.layers.Sequential;
import dev.backprop.tensor.Parallel;
import dev.backprop.web.ServerLimits;
import dev.backprop.web.WebServer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
    description = "A web app on this machine: draw a digit and watch the network answer (/), or move the worked "
        + "example's weights and watch the chain rule (/explorer); a JSON API underneath (POST /api/predict, "
        + "POST /api/sheet). Runs until Ctrl-C.")
final class ServeCommand implements Callable<Integer> {
  @Mixin CheckpointOption checkpointOption;
  @Mixin ModelChoice modelChoice;
  @Spec CommandSpec spec;

  @Option(names = "--port", paramLabel = "N", defaultValue = "8080",
      description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
      description = "Address to listen on (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 opens it to the "
          + "network).")
  String host;

  @Option(names = "--workers", paramLabel = "N",
      description = "Requests computed at once, each with its own copy of the model (default: available "
          + "processors); up to 32 more wait, beyond that the answer is 503.")
  Integer workers;

  @Override
  public Integer call() throws IOException {
    if (port < 0 || port > 65_535) {
      throw new UserError("--port must be between 0 and 65535, got " + port);
    }
    ServerLimits limits = ServerLimits.defaults();
    int count = workers != null ? workers : limits.workers();
    if (count < 1 || count > 64) {
      throw new UserError("--workers must be between 1 and 64, got " + count);
    }
    InetAddress address;
    try {
      address = InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new UserError("--host: cannot resolve '" + host + "'");
    }
    // Requests run side by side on the workers, each forward pass on its own thread: the compute pool's helpers
    // would only spin beside them.
    Parallel.setThreads(1);
    CheckpointOption.Loaded first = checkpointOption.load(modelChoice, spec);
    List<Sequential> models = new ArrayList<>(List.of(first.model()));
    for (int i = 1; i < count; i++) {
      models.add(checkpointOption.loadModel(modelChoice, spec));
    }
    WebServer.ModelInfo info = new WebServer.ModelInfo(first.name(), first.arch(),
        checkpointOption.checkpoint.getFileName().toString());
    PrintWriter out = spec.commandLine().getOut();
    WebServer server;
    try {
      server = WebServer.start(new InetSocketAddress(address, port), models, info, limits.withWorkers(count),
          new PrintStream(System.err, true));
    } catch (BindException e) {
      throw new UserError("cannot listen on " + host + ":" + port + ": " + e.getMessage()
          + " (is another server there? choose another --port)");
    }
    Thread closer = new Thread(server::close, "backprop-serve-stop");
    Runtime.getRuntime().addShutdownHook(closer);
    out.println("Serving " + info.name() + " (" + checkpointOption.checkpoint + ") at " + server.url());
    out.println("  " + server.url() + "          draw a digit");
    out.println("  " + server.url() + "explorer  the worked example");
    out.println("  POST /api/predict, POST /api/sheet: the JSON API. Ctrl-C stops the server.");
    if (!address.isLoopbackAddress()) {
      out.println("Note: listening on " + host + ", so other machines can reach it too.");
    }
    out.flush();
    try {
      new CountDownLatch(1).await(); // until Ctrl-C, or an interrupt from a test
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Runtime.getRuntime().removeShutdownHook(closer);
    server.close();
    return 0;
  }

  /** The zoo name the checkpoint was trained as, unless --model or --arch says otherwise. */
}
