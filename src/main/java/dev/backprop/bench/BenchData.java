package dev.backprop.bench;

import dev.backprop.data.Mnist;
import dev.backprop.data.MnistSet;
import dev.backprop.data.Normalization;
import dev.backprop.tensor.Rng;

/**
 * The images a {@link Benchmark} runs on, already normalised (float32, 1 x 28 x 28 each, image after image), so
 * that the timed loop does only what a training step does: gather a shuffled batch, forward, loss, backward,
 * optimizer step. Either MNIST's two splits, or synthetic standard-normal images with random labels when no MNIST
 * is available (the kernels' speed does not depend on the pixel values).
 */
public final class BenchData {
  /** Values per image: 1 x 28 x 28. */
  public static final int IMAGE_SIZE = 28 * 28;

  private final float[] trainImages;
  private final int[] trainLabels;
  private final float[] testImages;
  private final int[] testLabels;
  private final boolean synthetic;

  private BenchData(float[] trainImages, int[] trainLabels, float[] testImages, int[] testLabels,
      boolean synthetic) {
    this.trainImages = trainImages;
    this.trainLabels = trainLabels;
    this.testImages = testImages;
    this.testLabels = testLabels;
    this.synthetic = synthetic;
  }

  /** Both splits of {@code mnist}, normalised as {@code train} normalises them (mean 0.1307, std 0.3081). */
  public static BenchData of(Mnist mnist) {
    return new BenchData(normalised(mnist.train()), labels(mnist.train()), normalised(mnist.test()),
        labels(mnist.test()), false);
  }

  /** {@code train} and {@code test} images of N(0, 1) values with labels uniform in 0..9, from {@code seed}. */
  public static BenchData synthetic(int train, int test, long seed) {
    Rng rng = new Rng(seed);
    float[] trainImages = new float[Math.multiplyExact(train, IMAGE_SIZE)];
    float[] testImages = new float[Math.multiplyExact(test, IMAGE_SIZE)];
    rng.gaussian(trainImages, 0, 1);
    rng.gaussian(testImages, 0, 1);
    return new BenchData(trainImages, randomLabels(train, rng), testImages, randomLabels(test, rng), true);
  }

  public int trainCount() {
    return trainLabels.length;
  }

  public int testCount() {
    return testLabels.length;
  }

  /** Training images, normalised, {@link #IMAGE_SIZE} values each. Not a copy: do not modify. */
  public float[] trainImages() {
    return trainImages;
  }

  /** Not a copy: do not modify. */
  public int[] trainLabels() {
    return trainLabels;
  }

  /** Test images, normalised, {@link #IMAGE_SIZE} values each. Not a copy: do not modify. */
  public float[] testImages() {
    return testImages;
  }

  /** Not a copy: do not modify. */
  public int[] testLabels() {
    return testLabels;
  }

  public boolean synthetic() {
    return synthetic;
  }

  private static float[] normalised(MnistSet set) {
    if (set.imageSize() != IMAGE_SIZE) {
      throw new IllegalArgumentException(set + ": images are not 28x28");
    }
    float[] images = new float[Math.multiplyExact(set.size(), IMAGE_SIZE)];
    Normalization.normalize(set.pixels(), 0, images, 0, images.length);
    return images;
  }

  private static int[] labels(MnistSet set) {
    int[] labels = new int[set.size()];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = set.label(i);
    }
    return labels;
  }

  private static int[] randomLabels(int count, Rng rng) {
    int[] labels = new int[count];
    for (int i = 0; i < count; i++) {
      labels[i] = rng.nextInt(10);
    }
    return labels;
  }
}
