package dev.backprop.layers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backprop.models.ArchSpec;
import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * An epoch ends with a smaller batch, and evaluation may use another size: the layers then run on part of the
 * buffers a larger batch left (Tensor.reuseOrAllocate), which must give exactly what fresh layers give, and must
 * not allocate new activation buffers.
 */
class BatchSizeChangeTest {
  // Every layer kind of the zoo but dropout, whose masks depend on the step count.
  private static final String ARCH = "c4 c8p1 m c8 c8k1 a2 fc10";

  @Test
  void aSmallerBatchAfterALargerOneGivesWhatAFreshModelGives() {
    Sequential used = ArchSpec.build(ARCH, new Rng(3));
    Sequential fresh = ArchSpec.build(ARCH, new Rng(3));
    Tensor large = images(9, 1);
    Tensor small = images(5, 2);

    Tensor largeOut = used.forward(large, true);
    float[] largeBuffer = largeOut.data();
    used.backward(gradient(largeOut, 4));
    Tensor usedOut = used.forward(small, true);
    Tensor usedGrad = used.backward(gradient(usedOut, 5));

    Tensor freshOut = fresh.forward(small, true);
    Tensor freshGrad = fresh.backward(gradient(freshOut, 5));

    assertThat(usedOut.data()).as("the small batch runs in the large batch's buffer").isSameAs(largeBuffer);
    assertThat(usedOut.shape()).isEqualTo(freshOut.shape());
    assertThat(prefix(usedOut)).isEqualTo(prefix(freshOut));
    assertThat(prefix(usedGrad)).isEqualTo(prefix(freshGrad));
    assertThat(used.forward(large, true).data()).as("and the large batch again").isSameAs(largeBuffer);
  }

  @Test
  void viewsOverALargerBufferKeepTheirOwnSize() {
    Tensor large = Tensor.zeros(4, 3);
    large.fill(7f);
    Tensor small = Tensor.reuseOrAllocate(large, 2, 3);
    assertThat(small.data()).isSameAs(large.data());
    assertThat(small.size()).isEqualTo(6);
    small.fill(1f);
    assertThat(large.data()).containsExactly(1, 1, 1, 1, 1, 1, 7, 7, 7, 7, 7, 7);
    assertThat(small.copy().data()).containsExactly(1, 1, 1, 1, 1, 1);
    assertThat(small.reshape(6).size()).isEqualTo(6);
    assertThat(Tensor.reuseOrAllocate(small, 5, 3).data()).as("too small: a new buffer").isNotSameAs(large.data());
  }

  private static Tensor images(int n, long seed) {
    Tensor x = Tensor.zeros(n, 1, 28, 28); // ArchSpec models take MNIST-sized images
    new Rng(seed).gaussian(x.data(), 0, 1);
    return x;
  }

  private static Tensor gradient(Tensor output, long seed) {
    Tensor g = Tensor.zeros(output.shape());
    new Rng(seed).gaussian(g.data(), 0, 1);
    return g;
  }

  private static float[] prefix(Tensor t) {
    return Arrays.copyOf(t.data(), t.size());
  }
}
