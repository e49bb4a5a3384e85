package dev.backprop.data;

import dev.backprop.UserError;

/**
 * Random geometric augmentation of training images: a rotation uniform in [-degrees, +degrees], and optionally a
 * translation uniform in [-translate, +translate] of the width / height (rounded to whole pixels, as torchvision's
 * {@code RandomAffine}) and a scale uniform in [minScale, maxScale]. The default is torchvision's
 * {@code RandomRotation((-7, 7), fill=(0,))} with bilinear interpolation. See {@link Affine} for the geometry.
 *
 * <p>The parameters of sample {@code index} in epoch {@code epoch} come from a generator keyed by (seed, epoch,
 * index) alone, so they do not depend on threads, batch size or the order samples are visited in.
 */
public record Augmentation(double degrees, double translate, double minScale, double maxScale) {
  /** No augmentation: what test data always gets. */
  public static final Augmentation NONE = new Augmentation(0, 0, 1, 1);
  /** Rotation in +-7 degrees, on by default for training. */
  public static final Augmentation DEFAULT = new Augmentation(7, 0, 1, 1);

  private static final long STREAM = 0x6175676d656e74L; // "augment": keeps these streams apart from shuffling's

  public Augmentation {
    if (!(degrees >= 0 && degrees <= 180)) {
      throw new UserError("rotation must be between 0 and 180 degrees, got " + degrees);
    }
    if (!(translate >= 0 && translate <= 1)) {
      throw new UserError("translation must be a fraction between 0 and 1, got " + translate);
    }
    if (!(minScale > 0 && minScale <= maxScale && Double.isFinite(maxScale))) {
      throw new UserError("scale range must satisfy 0 < min <= max, got " + minScale + ".." + maxScale);
    }
  }

  /** Rotation only, uniform in [-degrees, +degrees]. */
  public static Augmentation rotation(double degrees) {
    return new Augmentation(degrees, 0, 1, 1);
  }

  /** The same with random translation up to {@code fraction} of the image size in each direction. */
  public Augmentation withTranslate(double fraction) {
    return new Augmentation(degrees, fraction, minScale, maxScale);
  }

  /** The same with a random scale in [min, max]. */
  public Augmentation withScale(double min, double max) {
    return new Augmentation(degrees, translate, min, max);
  }

  /** True when every draw is the identity transform. */
  public boolean isIdentity() {
    return degrees == 0 && translate == 0 && minScale == 1 && maxScale == 1;
  }

  /** One sample's transform: angle in degrees (counter-clockwise), shift in pixels, scale factor. */
  public record Params(double degrees, double tx, double ty, double scale) {}

  /** The transform for sample {@code index} of epoch {@code epoch}, for images of {@code rows x cols}. */
  public Params sample(long seed, int epoch, int index, int rows, int cols) {
    SplitMix64 random = SplitMix64.forKey(seed, STREAM, epoch, index);
    // always four draws, in torchvision's order (angle, translation, scale), so each parameter's stream is fixed
    double angle = random.nextDouble(-degrees, degrees);
    double maxDx = translate * cols;
    double maxDy = translate * rows;
    double tx = Math.round(random.nextDouble(-maxDx, maxDx));
    double ty = Math.round(random.nextDouble(-maxDy, maxDy));
    double scale = random.nextDouble(minScale, maxScale);
    return new Params(angle, tx, ty, scale);
  }

  /**
   * Writes sample {@code index}'s augmented image, normalised, into {@code dst[dstOffset ..]}: the image's pixels
   * are read from {@code set}.
   */
  public void apply(MnistSet set, long seed, int epoch, int index, float[] dst, int dstOffset) {
    int rows = set.rows();
    int cols = set.cols();
    if (isIdentity()) {
      Normalization.normalize(set.pixels(), index * set.imageSize(), dst, dstOffset, set.imageSize());
      return;
    }
    Params p = sample(seed, epoch, index, rows, cols);
    Affine.warp(set.pixels(), index * set.imageSize(), rows, cols, p.degrees(), p.tx(), p.ty(), p.scale(),
        dst, dstOffset);
    Normalization.normalizeInPlace(dst, dstOffset, set.imageSize());
  }
}
