package dev.backprop.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.backprop.data.MnistSource;
import dev.backprop.io.onnx.OnnxExport;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ONNX Runtime's side of bench/compare-onnxruntime.sh: the inference half of {@code backprop bench}, on an exported
 * model. The test images (MNIST normalised as training does, or synthetic ones) are cut once into batches; then
 * {@code --warmup} untimed and {@code --repeat} timed repetitions of {@code --infer-batches} session runs, cycling
 * through the batches, each repetition's images/s, and one JSON object with the keys {@code backprop bench --json}
 * uses. The session runs on {@code --threads} intra-op threads, one inter-op thread, with all graph optimizations.
 * A benchmark tool, not a test: ONNX Runtime is a test-scope dependency and never part of the product.
 *
 * <pre>
 *   java -cp ... dev.backprop.bench.OnnxRuntimeBench --onnx M.onnx [--threads 2] [--infer-batch-size 1000]
 *       [--infer-batches 10] [--warmup 2] [--repeat 5] [--data DIR | --synthetic]
 * </pre>
 */
public final class OnnxRuntimeBench {
  private OnnxRuntimeBench() {}

  public static void main(String[] args) throws OrtException, IOException {
    Map<String, String> options = new HashMap<>(Map.of("--threads", "2", "--infer-batch-size", "1000",
        "--infer-batches", "10", "--warmup", "2", "--repeat", "5"));
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--synthetic")) {
        options.put("--synthetic", "true");
      } else if (i + 1 < args.length && List.of("--onnx", "--threads", "--infer-batch-size", "--infer-batches",
          "--warmup", "--repeat", "--data").contains(args[i])) {
        options.put(args[i], args[++i]);
      } else {
        System.err.println("OnnxRuntimeBench: unknown option or missing value: " + args[i]);
        System.exit(2);
      }
    }
    if (!options.containsKey("--onnx") || options.containsKey("--data") == options.containsKey("--synthetic")) {
      System.err.println("OnnxRuntimeBench: give --onnx FILE and one of --data DIR, --synthetic");
      System.exit(2);
    }
    int threads = Integer.parseInt(options.get("--threads"));
    int batch = Integer.parseInt(options.get("--infer-batch-size"));
    int steps = Integer.parseInt(options.get("--infer-batches"));
    int warmup = Integer.parseInt(options.get("--warmup"));
    int repeat = Integer.parseInt(options.get("--repeat"));
    BenchData data = options.containsKey("--data")
        ? BenchData.of(MnistSource.builder().env(Map.of()).mirrors(List.of()).npm(null).build()
            .load(Path.of(options.get("--data"))))
        : BenchData.synthetic(batch, Math.max(batch, Math.min(10_000, batch * steps)), 1);

    OrtEnvironment environment = OrtEnvironment.getEnvironment();
    double[] rates = new double[repeat];
    try (OrtSession.SessionOptions sessionOptions = new OrtSession.SessionOptions()) {
      sessionOptions.setIntraOpNumThreads(threads);
      sessionOptions.setInterOpNumThreads(1);
      sessionOptions.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      sessionOptions.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      try (OrtSession session = environment.createSession(options.get("--onnx"), sessionOptions)) {
        int size = batch * BenchData.IMAGE_SIZE;
        OnnxTensor[] batches = new OnnxTensor[data.testCount() / batch];
        for (int b = 0; b < batches.length; b++) {
          batches[b] = OnnxTensor.createTensor(environment,
              FloatBuffer.wrap(Arrays.copyOfRange(data.testImages(), b * size, (b + 1) * size)),
              new long[] {batch, 1, 28, 28});
        }
        for (int r = -warmup; r < repeat; r++) {
          long start = System.nanoTime();
          for (int step = 0; step < steps; step++) {
            try (OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, batches[step % batches.length]))) {
              result.get(0);
            }
          }
          if (r >= 0) {
            rates[r] = (double) steps * batch / ((System.nanoTime() - start) / 1e9);
          }
        }
        for (OnnxTensor tensor : batches) {
          tensor.close();
        }
      }
    }
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("framework", "onnxruntime");
    report.put("version", environment.getVersion());
    report.put("onnx", options.get("--onnx"));
    report.put("threads", threads);
    report.put("infer_batch_size", batch);
    report.put("infer_batches", steps);
    report.put("warmup", warmup);
    report.put("repeat", repeat);
    report.put("data", data.synthetic() ? "synthetic" : "mnist");
    report.put("infer_images_per_s", Benchmark.median(rates));
    report.put("infer_images_per_s_min", Benchmark.min(rates));
    report.put("infer_images_per_s_max", Benchmark.max(rates));
    report.put("infer_images_per_s_all", rates);
    report.put("jdk", Runtime.version().toString());
    System.out.println(new ObjectMapper().writeValueAsString(report));
  }
}
