package dev.backprop.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import dev.backprop.UserError;
import dev.backprop.data.BatchLoader.Batch;
import dev.backprop.data.BatchLoader.Options;
import dev.backprop.tensor.Tensor;
import org.junit.jupiter.api.Test;

class BatchLoaderTest {
  private final MnistSet train = SyntheticMnist.set(MnistSet.Split.TRAIN, 100, 1);
  private final MnistSet test = SyntheticMnist.set(MnistSet.Split.TEST, 50, 2);

  /** A batch copied out of the loader's reused buffers. */
  record Copy(int index, float[] images, int[] labels, int[] shape) {}

  private static List<Copy> epoch(BatchLoader loader, int epoch) {
    List<Copy> copies = new ArrayList<>();
    for (Batch batch : loader.epoch(epoch)) {
      copies.add(new Copy(batch.index(), batch.images().data().clone(), batch.labels().clone(),
          batch.images().shape()));
    }
    return copies;
  }

  private static void assertSame(List<Copy> a, List<Copy> b) {
    assertThat(a).hasSameSizeAs(b);
    for (int i = 0; i < a.size(); i++) {
      assertThat(a.get(i).images()).isEqualTo(b.get(i).images());
      assertThat(a.get(i).labels()).isEqualTo(b.get(i).labels());
      assertThat(a.get(i).shape()).isEqualTo(b.get(i).shape());
    }
  }

  @Test
  void lastBatchIsSmallerNotDropped() {
    try (BatchLoader loader = new BatchLoader(train, Options.training(32, 7))) {
      assertThat(loader.size()).isEqualTo(100);
      assertThat(loader.batchSize()).isEqualTo(32);
      assertThat(loader.batchCount()).isEqualTo(4);
      List<Copy> batches = epoch(loader, 0);
      assertThat(batches).extracting(c -> c.labels().length).containsExactly(32, 32, 32, 4);
      assertThat(batches.get(0).shape()).containsExactly(32, 1, 28, 28);
      assertThat(batches.get(3).shape()).containsExactly(4, 1, 28, 28);
      assertThat(batches).extracting(Copy::index).containsExactly(0, 1, 2, 3);
    }
  }

  @Test
  void evaluationIsInOrderAndPlainlyNormalised() {
    try (BatchLoader loader = new BatchLoader(test, Options.evaluation(16))) {
      int position = 0;
      for (Copy batch : epoch(loader, 0)) {
        for (int i = 0; i < batch.labels().length; i++, position++) {
          assertThat(batch.labels()[i]).isEqualTo(test.label(position));
          for (int p = 0; p < 784; p++) {
            assertThat(batch.images()[i * 784 + p]).isEqualTo(Normalization.of(test.pixels()[position * 784 + p]));
          }
        }
      }
      assertThat(position).isEqualTo(50);
    }
  }

  @Test
  void trainingEpochVisitsEverySampleOnceInTheShuffledOrder() {
    try (BatchLoader loader = new BatchLoader(train, Options.training(32, 7).withAugmentation(Augmentation.NONE))) {
      int[] order = loader.order(3);
      assertThat(order).isEqualTo(Shuffle.permutation(7, 3, 100));
      int position = 0;
      for (Copy batch : epoch(loader, 3)) {
        for (int i = 0; i < batch.labels().length; i++, position++) {
          int index = order[position];
          assertThat(batch.labels()[i]).isEqualTo(train.label(index));
          assertThat(batch.images()[i * 784 + 400]).isEqualTo(Normalization.of(train.pixels()[index * 784 + 400]));
        }
      }
    }
  }

  @Test
  void sameSeedAndEpochGiveTheSameBatchesAcrossLoaders() {
    try (BatchLoader a = new BatchLoader(train, Options.training(32, 7));
        BatchLoader b = new BatchLoader(train, Options.training(32, 7))) {
      assertSame(epoch(a, 2), epoch(b, 2));
      assertThat(epoch(a, 2).get(0).images()).isNotEqualTo(epoch(a, 3).get(0).images());
    }
  }

  @Test
  void prefetchDoesNotChangeTheOutput() {
    try (BatchLoader prefetched = new BatchLoader(train, Options.training(32, 7));
        BatchLoader inline = new BatchLoader(train, Options.training(32, 7).withPrefetch(false))) {
      for (int epoch = 0; epoch < 3; epoch++) {
        assertSame(epoch(prefetched, epoch), epoch(inline, epoch));
      }
    }
  }

  @Test
  void augmentationOfASampleDoesNotDependOnTheBatchSize() {
    try (BatchLoader small = new BatchLoader(train, Options.training(7, 7));
        BatchLoader large = new BatchLoader(train, Options.training(64, 7))) {
      float[] a = concat(epoch(small, 1));
      float[] b = concat(epoch(large, 1));
      assertThat(a).isEqualTo(b);
    }
  }

  private static float[] concat(List<Copy> batches) {
    int length = batches.stream().mapToInt(c -> c.images().length).sum();
    float[] all = new float[length];
    int at = 0;
    for (Copy c : batches) {
      System.arraycopy(c.images(), 0, all, at, c.images().length);
      at += c.images().length;
    }
    return all;
  }

  @Test
  void augmentationActuallyChangesTrainingImages() {
    try (BatchLoader augmented = new BatchLoader(train, Options.training(32, 7));
        BatchLoader plain = new BatchLoader(train, Options.training(32, 7).withAugmentation(Augmentation.NONE))) {
      List<Copy> a = epoch(augmented, 0);
      List<Copy> p = epoch(plain, 0);
      assertThat(a.get(0).labels()).isEqualTo(p.get(0).labels());
      assertThat(a.get(0).images()).isNotEqualTo(p.get(0).images());
    }
  }

  @Test
  void testDataIsNeverAugmented() {
    assertThatThrownBy(() -> new BatchLoader(test, Options.training(32, 7)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("training data only");
  }

  @Test
  void buffersAreReused() {
    try (BatchLoader loader = new BatchLoader(train, Options.training(20, 7))) {
      List<Tensor> tensors = new ArrayList<>();
      for (Batch batch : loader.epoch(0)) {
        tensors.add(batch.images());
      }
      assertThat(tensors).hasSize(5);
      assertThat(tensors.get(2)).isSameAs(tensors.get(0));
      assertThat(tensors.get(3)).isSameAs(tensors.get(1)).isNotSameAs(tensors.get(0));
    }
  }

  @Test
  void abandoningAnEpochMidwayLeavesTheNextOneIntact() {
    try (BatchLoader loader = new BatchLoader(train, Options.training(32, 7));
        BatchLoader fresh = new BatchLoader(train, Options.training(32, 7))) {
      Iterator<Batch> first = loader.epoch(0).iterator();
      first.next();
      List<Copy> second = epoch(loader, 1);
      assertSame(second, epoch(fresh, 1));
      assertThatThrownBy(first::next).isInstanceOf(IllegalStateException.class).hasMessageContaining("superseded");
    }
  }

  @Test
  void closesCleanly() {
    BatchLoader loader = new BatchLoader(train, Options.training(32, 7));
    Iterator<Batch> batches = loader.epoch(0).iterator();
    batches.next();
    loader.close();
    loader.close();
    assertThatThrownBy(batches::next).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    assertThatThrownBy(() -> loader.epoch(1)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void limitKeepsTheFirstImages() {
    MnistSet first = train.limit(10);
    assertThat(first.size()).isEqualTo(10);
    assertThat(first.split()).isEqualTo(MnistSet.Split.TRAIN);
    assertThat(first.pixels()).isEqualTo(java.util.Arrays.copyOf(train.pixels(), 10 * 784));
    assertThat(first.labels()).isEqualTo(java.util.Arrays.copyOf(train.labels(), 10));
    assertThat(train.limit(1000)).isSameAs(train);
    assertThatThrownBy(() -> train.limit(0)).isInstanceOf(UserError.class);
    try (BatchLoader loader = new BatchLoader(first, Options.training(4, 1))) {
      assertThat(loader.batchCount()).isEqualTo(3);
    }
  }

  @Test
  void holdOutSplitsTheImagesInTwoKeepingTheirOrder() {
    int n = 200;
    byte[] pixels = new byte[n * 784];
    byte[] labels = new byte[n];
    for (int i = 0; i < n; i++) {
      pixels[i * 784] = (byte) i; // the image's first pixel names it
      labels[i] = (byte) (i % 10);
    }
    MnistSet set = new MnistSet(MnistSet.Split.TRAIN, pixels, labels, 28, 28);
    MnistSet.HeldOut parts = set.holdOut(50);
    assertThat(parts.train().split()).isEqualTo(MnistSet.Split.TRAIN);
    assertThat(parts.validation().split()).isEqualTo(MnistSet.Split.VALIDATION);
    List<Integer> trained = names(parts.train());
    List<Integer> heldOut = names(parts.validation());
    assertThat(heldOut).hasSize(50).isSorted().doesNotHaveDuplicates();
    assertThat(trained).hasSize(150).isSorted().doesNotContainAnyElementsOf(heldOut);
    assertThat(heldOut).as("spread over the set, not its first or last images")
        .anyMatch(i -> i < 50).anyMatch(i -> i >= 150);
    for (MnistSet part : List.of(parts.train(), parts.validation())) {
      for (int i = 0; i < part.size(); i++) {
        assertThat(part.label(i)).isEqualTo(names(part).get(i) % 10);
      }
    }
    assertThat(names(set.holdOut(50).validation())).as("a fixed choice").isEqualTo(heldOut);
    assertThat(names(set.holdOut(51).validation())).isNotEqualTo(heldOut);
    assertThatThrownBy(() -> set.holdOut(200)).isInstanceOf(UserError.class).hasMessageContaining("1 and 199");
    assertThatThrownBy(() -> new BatchLoader(parts.validation(), Options.training(8, 1)
        .withAugmentation(Augmentation.rotation(5)))).isInstanceOf(IllegalArgumentException.class);
  }

  private static List<Integer> names(MnistSet set) {
    List<Integer> names = new ArrayList<>();
    for (int i = 0; i < set.size(); i++) {
      names.add(set.pixels()[i * 784] & 0xff);
    }
    return names;
  }

  @Test
  void batchSizeMustBePositive() {
    assertThatThrownBy(() -> Options.training(0, 1)).isInstanceOf(UserError.class);
  }
}
