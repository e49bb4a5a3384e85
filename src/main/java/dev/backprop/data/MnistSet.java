package dev.backprop.data;

import java.util.Arrays;
import dev.backprop.UserError;

/**
 * One split of an image-classification set, kept compactly: all images in one {@code byte[]} of unsigned pixels
 * (image {@code i} starts at {@code i * rows * cols}, row-major) and the labels in another.
 */
public final class MnistSet {
  /** Which split: augmentation is only ever applied to {@link #TRAIN}. */
  public enum Split {
    TRAIN,
    /** Training images held out for model selection ({@link #holdOut}). */
    VALIDATION,
    TEST
  }

  /** A training set cut in two by {@link #holdOut}: what is trained on, and the held-out validation images. */
  public record HeldOut(MnistSet train, MnistSet validation) {}

  private static final long VALIDATION_STREAM = 0x76616c6964L; // "valid"

  private final Split split;
  private final byte[] pixels;
  private final byte[] labels;
  private final int rows;
  private final int cols;

  public MnistSet(Split split, byte[] pixels, byte[] labels, int rows, int cols) {
    if (rows <= 0 || cols <= 0 || (long) labels.length * rows * cols != pixels.length) {
      throw new IllegalArgumentException(pixels.length + " pixels are not " + labels.length + " images of "
          + rows + "x" + cols);
    }
    this.split = split;
    this.pixels = pixels;
    this.labels = labels;
    this.rows = rows;
    this.cols = cols;
  }

  /** Pairs an image file with its label file; their counts must agree. */
  public static MnistSet of(Split split, Idx.Images images, Idx.Labels labels) {
    if (images.count() != labels.count()) {
      throw new UserError(images.file().getFileName() + " holds " + images.count() + " images but "
          + labels.file().getFileName() + " holds " + labels.count() + " labels (in " + parent(images) + ")");
    }
    return new MnistSet(split, images.pixels(), labels.labels(), images.rows(), images.cols());
  }

  public Split split() {
    return split;
  }

  public int size() {
    return labels.length;
  }

  public int rows() {
    return rows;
  }

  public int cols() {
    return cols;
  }

  public int imageSize() {
    return rows * cols;
  }

  /** All pixels, unsigned bytes, image after image. Not a copy: do not modify. */
  public byte[] pixels() {
    return pixels;
  }

  /** All labels. Not a copy: do not modify. */
  public byte[] labels() {
    return labels;
  }

  public int label(int index) {
    return labels[index];
  }

  /** Pixel (row, col) of image {@code index}, 0..255. */
  public int pixel(int index, int row, int col) {
    return pixels[(index * rows + row) * cols + col] & 0xff;
  }

  /**
   * The first {@code n} images (the {@code --limit N} option); the whole set if it has {@code n} or fewer. A copy,
   * so the rest can be garbage-collected.
   */
  public MnistSet limit(int n) {
    if (n <= 0) {
      throw new UserError("the image limit must be positive, got " + n);
    }
    if (n >= size()) {
      return this;
    }
    return new MnistSet(split, Arrays.copyOf(pixels, n * imageSize()), Arrays.copyOf(labels, n), rows, cols);
  }

  /**
   * Holds {@code count} images out for validation: the indices that {@code count} steps of a Fisher-Yates shuffle
   * draw from a stream of their own (fixed by the set's size and {@code count} alone, so every training
   * seed holds out the same images, and no other random stream moves). Both parts keep the images in their
   * original order.
   */
  public HeldOut holdOut(int count) {
    if (count < 1 || count >= size()) {
      throw new UserError("--val-split must be between 1 and " + (size() - 1) + " (the training set has "
          + size() + " images), got " + count);
    }
    int[] order = Shuffle.identity(size());
    SplitMix64 random = SplitMix64.forKey(0, VALIDATION_STREAM, size(), count);
    boolean[] heldOut = new boolean[size()];
    for (int i = size() - 1, drawn = 0; drawn < count; i--, drawn++) {
      int j = random.nextInt(i + 1);
      int swap = order[i];
      order[i] = order[j];
      order[j] = swap;
      heldOut[order[i]] = true;
    }
    return new HeldOut(select(Split.TRAIN, heldOut, false, size() - count),
        select(Split.VALIDATION, heldOut, true, count));
  }

  private MnistSet select(Split part, boolean[] heldOut, boolean wanted, int count) {
    byte[] partPixels = new byte[count * imageSize()];
    byte[] partLabels = new byte[count];
    int n = 0;
    for (int i = 0; i < size(); i++) {
      if (heldOut[i] == wanted) {
        System.arraycopy(pixels, i * imageSize(), partPixels, n * imageSize(), imageSize());
        partLabels[n++] = labels[i];
      }
    }
    return new MnistSet(part, partPixels, partLabels, rows, cols);
  }

  @Override
  public String toString() {
    return "MnistSet[" + split + ", " + size() + " images of " + rows + "x" + cols + "]";
  }

  private static String parent(Idx.Images images) {
    return String.valueOf(images.file().toAbsolutePath().getParent());
  }
}
