package dev.backprop.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backprop.data.BatchLoader;
import dev.backprop.data.Mnist;
import dev.backprop.data.MnistSet;
import dev.backprop.data.MnistSource;
import dev.backprop.layers.Buffer;
import dev.backprop.layers.Parameter;
import dev.backprop.layers.Sequential;
import dev.backprop.loss.NllLoss;
import dev.backprop.models.ArchSpec;
import dev.backprop.models.Zoo;
import dev.backprop.optim.OneCycleLR;
import dev.backprop.optim.Sgd;
import dev.backprop.tensor.Gemm;
import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A few batches of training that exercise every kind of arithmetic the engine has: SGD with momentum, Nesterov and
 * weight decay under one-cycle, augmentation, dropout, BatchNorm, max-pooling, and in ref15k both the shifted and
 * the im2col convolution paths; a smaller last batch. The images are the first ones of real MNIST when
 * {@code BACKPROP_DATA} names it, otherwise random. Run as a program, it prints the kernel it ran on and a SHA-256
 * of everything a run leaves behind, for {@link SameBitsEverywhereTest}'s forked JVMs.
 */
final class FewSteps {
  static final int IMAGES = 88; // batches of 40, 40 and 8: Conv2d's gradient chunks hold 2 and 1 samples
  static final int BATCH = 40;
  /** The layers ref15k lacks: padding, Dropout2d, depthwise convolution, GlobalAvgPool2d, Linear. */
  static final String OTHER_LAYERS = "c8p1 dd0.1 m c16 dwp1 d0.1 c16k1 gap fc10";

  private FewSteps() {}

  /** What a run leaves behind: every float of the state by name, the batch losses, eval outputs. */
  record Outcome(Map<String, float[]> state, List<Double> losses, float[] evalOutput) {

    /** SHA-256 of the state (names and bits, in order), the losses' bits and the eval output's bits. */
    String sha256() {
      try {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        for (Map.Entry<String, float[]> e : state.entrySet()) {
          digest.update(e.getKey().getBytes(StandardCharsets.UTF_8));
          digest.update(floatBytes(e.getValue()));
        }
        for (double loss : losses) {
          digest.update(ByteBuffer.allocate(8).putDouble(loss).array());
        }
        digest.update(floatBytes(evalOutput));
        return HexFormat.of().formatHex(digest.digest());
      } catch (NoSuchAlgorithmException e) {
        throw new AssertionError(e);
      }
    }

    private static byte[] floatBytes(float[] x) {
      ByteBuffer bytes = ByteBuffer.allocate(4 * x.length);
      bytes.asFloatBuffer().put(x);
      return bytes.array();
    }
  }

  /** {@code FewSteps THREADS MODEL...}: prints "kernel: ..." and then "MODEL sha256" per model. */
  public static void main(String[] args) {
    int threads = Integer.parseInt(args[0]);
    MnistSet images = images();
    System.out.println("kernel: " + Gemm.implementationName());
    for (int i = 1; i < args.length; i++) {
      System.out.println(args[i].replace(' ', '_') + " " + train(args[i], images, threads).sha256());
    }
  }

  static Outcome train(String name, MnistSet images, int threads) {
    Parallel.setThreads(threads);
    Sequential model = name.contains(" ") ? ArchSpec.build(name, new Rng(7)) : Zoo.get(name).build(new Rng(7));
    Sgd sgd = new Sgd(model.parameters(), 0.01, 0.9, 0, true, 5e-4);
    OneCycleLR schedule = OneCycleLR.withDefaults(sgd, 0.05, 1, 3);
    Trainer trainer = new Trainer(model, new NllLoss(), sgd, schedule, null);
    List<Double> losses = new ArrayList<>();
    Tensor evalOutput;
    try (BatchLoader loader = new BatchLoader(images, BatchLoader.Options.training(BATCH, 11))) {
      Trainer.EpochResult result = trainer.trainEpoch(loader, 0, new Trainer.BatchListener() {
        double previousSum;

        @Override
        public void onBatch(int imagesDone, double meanLoss, double accuracyPercent) {
          double sum = meanLoss * imagesDone;
          losses.add(sum - previousSum);
          previousSum = sum;
        }
      });
      assertThat(result.completed()).isTrue();
      BatchLoader.Batch first = loader.epoch(1).iterator().next();
      evalOutput = model.forward(first.images(), false);
    }
    Map<String, float[]> state = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> p : model.namedParameters().entrySet()) {
      state.put(p.getKey(), p.getValue().value().data().clone());
      state.put(p.getKey() + ".grad", p.getValue().grad().data().clone());
    }
    for (Map.Entry<String, Buffer> b : model.namedBuffers().entrySet()) {
      state.put(b.getKey(), b.getValue().value().data().clone());
    }
    return new Outcome(state, losses, evalOutput.data().clone());
  }

  /** The first images of real MNIST if BACKPROP_DATA has it, else random pixels and labels. */
  static MnistSet images() {
    String dir = System.getenv(MnistSource.DATA_ENV);
    if (dir != null && !dir.isBlank() && Files.isDirectory(Path.of(dir))) {
      Mnist mnist = MnistSource.builder().env(Map.of()).mirrors(List.of()).npm(null).build()
          .load(Path.of(dir));
      return mnist.train().limit(IMAGES);
    }
    Rng rng = new Rng(5);
    byte[] pixels = new byte[IMAGES * 28 * 28];
    byte[] labels = new byte[IMAGES];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (byte) rng.nextInt(256);
    }
    for (int i = 0; i < labels.length; i++) {
      labels[i] = (byte) rng.nextInt(10);
    }
    return new MnistSet(MnistSet.Split.TRAIN, pixels, labels, 28, 28);
  }
}
