package dev.backprop.data;

/**
 * MNIST's standard normalisation, as torchvision's {@code ToTensor()} then {@code Normalize((0.1307,), (0.3081,))}:
 * {@code x = (p / 255 - mean) / std} for a raw pixel {@code p}, in float32 exactly as PyTorch computes it.
 */
public final class Normalization {
  /** Mean of MNIST's training pixels on the 0..1 scale. */
  public static final float MEAN = 0.1307f;
  /** Standard deviation of MNIST's training pixels on the 0..1 scale. */
  public static final float STD = 0.3081f;

  private static final float[] TABLE = new float[256];

  static {
    for (int p = 0; p < 256; p++) {
      TABLE[p] = normalize(p);
    }
  }

  private Normalization() {}

  /** The normalised value of a raw pixel value on the 0..255 scale (interpolated values need not be integers). */
  public static float normalize(float raw) {
    return (raw / 255f - MEAN) / STD;
  }

  /** The normalised value of an unsigned byte pixel, from a table. */
  public static float of(byte pixel) {
    return TABLE[pixel & 0xff];
  }

  /** The normalised value of black (raw 0): what augmentation fills uncovered pixels with. */
  public static float black() {
    return TABLE[0];
  }

  /** Normalises {@code count} unsigned pixels of {@code src} from {@code srcOffset} into {@code dst}. */
  public static void normalize(byte[] src, int srcOffset, float[] dst, int dstOffset, int count) {
    for (int i = 0; i < count; i++) {
      dst[dstOffset + i] = TABLE[src[srcOffset + i] & 0xff];
    }
  }

  /** Normalises raw-scale values in place. */
  public static void normalizeInPlace(float[] values, int offset, int count) {
    for (int i = offset; i < offset + count; i++) {
      values[i] = normalize(values[i]);
    }
  }
}
