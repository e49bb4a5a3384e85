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
import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Training gives the same bits with 1, 2 or 3 threads: a few batches of SGD with momentum and one-cycle (with
 * augmentation, dropout and a smaller last batch), then every parameter, gradient, BatchNorm buffer, batch loss
 * and an eval-mode output compared with {@code Arrays.equals}; for ref15k and for a model with the other layers.
 * The images are the first ones of real MNIST when {@code BACKPROP_DATA} names it, otherwise random.
 */
class ThreadDeterminismTest {
  private static final int IMAGES = 88; // batches of 40, 40 and 8: Conv2d's gradient chunks hold 2 and 1 samples
  private static final int BATCH = 40;
  /** The layers ref15k lacks: padding, Dropout2d, GlobalAvgPool2d, Linear. */
  private static final String OTHER_LAYERS = "c8p1 dd0.1 m c16 d0.1 c16k1 gap fc10";

  @AfterEach
  void restoreDefault() {
    Parallel.setThreads(Runtime.getRuntime().availableProcessors());
  }

  /** What a run leaves behind: every float of the state by name, the batch losses, eval outputs. */
  record Outcome(Map<String, float[]> state, List<Double> losses, float[] evalOutput) {}

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"ref15k", OTHER_LAYERS})
  void trainingIsBitIdenticalWithOneTwoAndThreeThreads(String model) {
    MnistSet images = images();
    Outcome one = train(model, images, 1);
    for (int threads : new int[] {2, 3}) {
      Outcome other = train(model, images, threads);
      assertThat(other.losses()).as("batch losses with %d threads", threads).isEqualTo(one.losses());
      assertThat(other.state().keySet()).isEqualTo(one.state().keySet());
      for (String name : one.state().keySet()) {
        assertThat(Arrays.equals(other.state().get(name), one.state().get(name)))
            .as("%s of %s with %d threads equals 1 thread's, bit for bit", name, model, threads).isTrue();
      }
      assertThat(Arrays.equals(other.evalOutput(), one.evalOutput()))
          .as("eval output with %d threads", threads).isTrue();
    }
    assertThat(one.losses()).hasSize(3).allSatisfy(loss -> assertThat(loss).isFinite());
  }

  private static Outcome train(String name, MnistSet images, int threads) {
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
  private static MnistSet images() {
    String dir = System.getenv(MnistSource.DATA_ENV);
    if (dir != null && !dir.isBlank() && Files.isDirectory(Path.of(dir))) {
      Mnist mnist = MnistSource.builder().env(Map.of()).mirrors(List.of()).npm(null).progress(null).build()
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
