package dev.backprop.data;

/**
 * Warps one single-channel image by rotation, scale and translation about its centre, with bilinear interpolation
 * and zero fill: the geometry of torchvision's {@code RandomRotation} / {@code RandomAffine} (which apply
 * {@code F.rotate} / {@code F.affine}).
 *
 * <p>Conventions, as torchvision's: pixel (row, col) has its centre at index coordinates (col, row); the centre of
 * rotation is the image centre, ((cols - 1) / 2, (rows - 1) / 2); a positive angle turns the content
 * counter-clockwise as displayed (rows going down); translation is in pixels, applied after rotation and scale.
 * Each output pixel is sampled from the source at the inverse-mapped position; the four neighbours outside the
 * image count as raw 0 (black). Values stay on the raw 0..255 scale and are not rounded (PIL rounds to uint8).
 */
public final class Affine {
  private Affine() {}

  /**
   * Writes into {@code dst[dstOffset ..]} the {@code rows x cols} image at {@code src[srcOffset ..]} (unsigned
   * bytes) turned by {@code degrees} counter-clockwise, scaled by {@code scale} and then shifted by
   * ({@code tx}, {@code ty}) pixels (right, down).
   */
  public static void warp(byte[] src, int srcOffset, int rows, int cols, double degrees, double tx, double ty,
      double scale, float[] dst, int dstOffset) {
    double radians = Math.toRadians(degrees);
    double cos = StrictMath.cos(radians) / scale;
    double sin = StrictMath.sin(radians) / scale;
    double cx = (cols - 1) * 0.5;
    double cy = (rows - 1) * 0.5;
    for (int y = 0; y < rows; y++) {
      double v = y - cy - ty;
      for (int x = 0; x < cols; x++) {
        double u = x - cx - tx;
        // inverse map: undo the shift, then turn back by -angle and undo the scale (rows point down)
        double sx = cos * u - sin * v + cx;
        double sy = sin * u + cos * v + cy;
        dst[dstOffset + y * cols + x] = bilinear(src, srcOffset, rows, cols, sx, sy);
      }
    }
  }

  /** {@link #warp} with rotation only. */
  public static void rotate(byte[] src, int srcOffset, int rows, int cols, double degrees, float[] dst,
      int dstOffset) {
    warp(src, srcOffset, rows, cols, degrees, 0, 0, 1, dst, dstOffset);
  }

  /** The source sampled at (sx, sy) in index coordinates, zero outside. */
  static float bilinear(byte[] src, int offset, int rows, int cols, double sx, double sy) {
    if (!(sx > -1 && sx < cols && sy > -1 && sy < rows)) {
      return 0f; // all four neighbours are outside (also catches NaN)
    }
    int x0 = (int) Math.floor(sx);
    int y0 = (int) Math.floor(sy);
    double fx = sx - x0;
    double fy = sy - y0;
    double top = (1 - fx) * pixel(src, offset, rows, cols, y0, x0) + fx * pixel(src, offset, rows, cols, y0, x0 + 1);
    double bottom = (1 - fx) * pixel(src, offset, rows, cols, y0 + 1, x0)
        + fx * pixel(src, offset, rows, cols, y0 + 1, x0 + 1);
    return (float) ((1 - fy) * top + fy * bottom);
  }

  private static int pixel(byte[] src, int offset, int rows, int cols, int y, int x) {
    return y < 0 || y >= rows || x < 0 || x >= cols ? 0 : src[offset + y * cols + x] & 0xff;
  }
}
