package dev.backprop.data;

import dev.backprop.UserError;
import dev.backprop.tensor.Tensor;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Turns a picture of a handwritten digit into an MNIST-like sample for {@code backprop predict}, the way MNIST's
 * own digits were prepared: grey levels, a white digit on black, the digit's bounding box fitted into 20×20
 * keeping its aspect ratio (anti-aliased), and placed in a 28×28 field so that its centre of mass sits at the
 * centre, pixel (14, 14).
 *
 * <p>The steps, in {@link #prepare}:
 * <ol>
 *   <li>luma (0.299 R + 0.587 G + 0.114 B), transparent pixels composed over white;
 *   <li>if the border is light (median of the border pixels above 127) the image is inverted, so the digit is
 *       light on dark; the border median is then taken as the background level and subtracted;
 *   <li>if nothing stands out by at least {@value #MIN_CONTRAST} grey levels there is no digit;
 *   <li>crop to the bounding box of the pixels more than {@value #INK_LEVEL} levels above the background; no
 *       thresholding, the grey levels stay;
 *   <li>scale the box so its longer side is 20 pixels: area averaging when shrinking, bilinear when enlarging;
 *       then stretch the levels so that the brightest pixel is 255, as in every MNIST digit (this also brings
 *       back thin strokes that fade when shrunk, and faint pencil);
 *   <li>place it in 28×28, shifted by the rounded offset between its centre of mass and (14, 14), kept whole
 *       inside the field.
 * </ol>
 * The result is unsigned bytes, 0..255, like the IDX files; {@link #normalized} and {@link #tensor} apply the
 * training normalisation (mean {@value #MEAN}, standard deviation {@value #STD}).
 */
public final class DigitImages {
  public static final int SIDE = 28;
  public static final int BOX = 20;
  public static final float MEAN = 0.1307f;
  public static final float STD = 0.3081f;
  /**
   * Grey levels above the background from which a pixel counts towards the digit's bounding box: just above
   * JPEG noise. Higher levels cut the faint outer pixels of a digit and change its scale (on MNIST's own test
   * images, 4 leaves 99.96 % of them within 4 grey levels of the original, 24 only 84 %).
   */
  static final int INK_LEVEL = 4;
  /** Least difference from the background, in grey levels, for anything to count as a digit. */
  static final int MIN_CONTRAST = 32;

  /** Larger images are refused before they are decoded: 50 megapixels already take 200 MB as ARGB. */
  public static final long MAX_PIXELS = 50_000_000;

  private static final Set<String> FORMATS = Set.of("png", "jpeg", "jpg", "bmp", "gif");

  private DigitImages() {}

  /** Reads a PNG, JPEG, BMP or GIF file and prepares it as a 28×28 MNIST-like sample. */
  public static byte[] read(Path file) {
    return prepare(decode(file), file.toString());
  }

  /** Prepares a decoded image; {@code source} names it in error messages. */
  public static byte[] prepare(BufferedImage image, String source) {
    int w = image.getWidth();
    int h = image.getHeight();
    float[] grey = luma(image);

    // Light background: invert so the digit is light on dark. Then subtract what the background is.
    float background = borderMedian(grey, w, h);
    if (background > 127) {
      for (int i = 0; i < grey.length; i++) {
        grey[i] = 255 - grey[i];
      }
      background = 255 - background;
    }
    float max = 0;
    for (int i = 0; i < grey.length; i++) {
      grey[i] = Math.max(0, grey[i] - background);
      max = Math.max(max, grey[i]);
    }
    if (max < MIN_CONTRAST) {
      throw new UserError("no digit found in " + source);
    }

    // Bounding box of the ink.
    int top = h;
    int bottom = -1;
    int left = w;
    int right = -1;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (grey[y * w + x] > INK_LEVEL) {
          top = Math.min(top, y);
          bottom = Math.max(bottom, y);
          left = Math.min(left, x);
          right = Math.max(right, x);
        }
      }
    }
    int boxW = right - left + 1;
    int boxH = bottom - top + 1;
    float[] box = new float[boxW * boxH];
    for (int y = 0; y < boxH; y++) {
      System.arraycopy(grey, (top + y) * w + left, box, y * boxW, boxW);
    }

    // Longer side to 20 pixels, aspect ratio kept.
    double scale = (double) BOX / Math.max(boxW, boxH);
    int fitW = Math.max(1, Math.min(BOX, (int) Math.round(boxW * scale)));
    int fitH = Math.max(1, Math.min(BOX, (int) Math.round(boxH * scale)));
    float[] fitted = resize(box, boxW, boxH, fitW, fitH);
    float fittedMax = 0;
    for (float v : fitted) {
      fittedMax = Math.max(fittedMax, v);
    }
    stretch(fitted, fittedMax); // every MNIST digit's brightest pixel is 255

    // Centre of mass to (14, 14).
    double mass = 0;
    double cx = 0;
    double cy = 0;
    for (int y = 0; y < fitH; y++) {
      for (int x = 0; x < fitW; x++) {
        float v = fitted[y * fitW + x];
        mass += v;
        cx += v * x;
        cy += v * y;
      }
    }
    int offsetX = clamp((int) Math.round(SIDE / 2.0 - cx / mass), 0, SIDE - fitW);
    int offsetY = clamp((int) Math.round(SIDE / 2.0 - cy / mass), 0, SIDE - fitH);
    byte[] out = new byte[SIDE * SIDE];
    for (int y = 0; y < fitH; y++) {
      for (int x = 0; x < fitW; x++) {
        int v = Math.round(fitted[y * fitW + x]);
        out[(offsetY + y) * SIDE + offsetX + x] = (byte) clamp(v, 0, 255);
      }
    }
    return out;
  }

  /** The training normalisation: (p / 255 - {@value #MEAN}) / {@value #STD} for each pixel. */
  public static float[] normalized(byte[] pixels) {
    float[] x = new float[pixels.length];
    for (int i = 0; i < pixels.length; i++) {
      x[i] = (Byte.toUnsignedInt(pixels[i]) / 255f - MEAN) / STD;
    }
    return x;
  }

  /** A [1, 1, 28, 28] tensor of the normalised pixels, ready for a model's forward pass. */
  public static Tensor tensor(byte[] pixels) {
    if (pixels.length != SIDE * SIDE) {
      throw new IllegalArgumentException("expected " + SIDE * SIDE + " pixels, got " + pixels.length);
    }
    return Tensor.wrap(normalized(pixels), 1, 1, SIDE, SIDE);
  }

  /**
   * Prepares a PNG, JPEG, BMP or GIF held in memory (an upload) as a 28×28 MNIST-like sample; {@code source} names
   * it in error messages, and images of more than {@code maxPixels} are refused before they are decoded.
   */
  public static byte[] read(byte[] encoded, String source, long maxPixels) {
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded))) {
      return prepare(decode(in, source, maxPixels), source);
    } catch (IOException e) {
      throw new UserError("cannot read " + source + " as an image: " + e.getMessage(), e);
    }
  }

  static BufferedImage decode(Path file) {
    if (!Files.exists(file)) {
      throw new UserError("no such file: " + file);
    }
    if (!Files.isRegularFile(file)) {
      throw new UserError(file + " is not a file");
    }
    try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      return decode(in, file.toString(), MAX_PIXELS);
    } catch (IOException e) {
      throw new UserError("cannot read " + file + " as an image: " + e.getMessage(), e);
    }
  }

  private static BufferedImage decode(ImageInputStream in, String source, long maxPixels) {
    if (in == null) {
      throw new UserError("cannot read " + source);
    }
    try {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new UserError(source + " is not an image: expected PNG, JPEG, BMP or GIF");
      }
      ImageReader reader = readers.next();
      try {
        String format = reader.getFormatName().toLowerCase(Locale.ROOT);
        if (!FORMATS.contains(format)) {
          throw new UserError(source + " is a " + format.toUpperCase(Locale.ROOT)
              + " image: expected PNG, JPEG, BMP or GIF");
        }
        reader.setInput(in, true, true);
        long pixels = (long) reader.getWidth(0) * reader.getHeight(0); // from the header, before decoding
        if (pixels > maxPixels) {
          throw new UserError(String.format(Locale.ROOT, "%s is %d x %d pixels, over the limit of %s megapixels",
              source, reader.getWidth(0), reader.getHeight(0), BigDecimal.valueOf(maxPixels, 6)
                  .stripTrailingZeros().toPlainString()));
        }
        return reader.read(0);
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof UserError userError) {
        throw userError;
      }
      throw new UserError("cannot read " + source + " as an image: " + reason(e), e);
    }
  }

  /**
   * Why a decoder gave up, in its own words where it has any (its messages are one line); a decoder that trips
   * over corrupt data without a word (an index out of bounds, say) is "corrupt or truncated image data".
   */
  private static String reason(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String message = t.getMessage();
      if (message != null && !message.isBlank() && !(t instanceof RuntimeException) && !message.endsWith(": ")) {
        return message.strip();
      }
    }
    return "corrupt or truncated image data";
  }

  /**
   * Grey levels 0..255 in row-major order; transparent pixels are composed over white. Grey images are read
   * from their samples: {@code getRGB} would pass them through Java's linear-grey to sRGB conversion, which
   * brightens every mid-grey (MNIST's 185 becomes 221).
   */
  static float[] luma(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    float[] grey = new float[w * h];
    ColorModel model = image.getColorModel();
    if (model.getColorSpace().getType() == ColorSpace.TYPE_GRAY && !(model instanceof IndexColorModel)) {
      Raster raster = image.getRaster();
      float greyScale = 255f / ((1L << model.getComponentSize(0)) - 1);
      boolean hasAlpha = model.hasAlpha();
      float alphaScale = hasAlpha ? 1f / ((1L << model.getComponentSize(1)) - 1) : 0;
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          float value = raster.getSample(x, y, 0) * greyScale;
          float alpha = hasAlpha ? raster.getSample(x, y, 1) * alphaScale : 1;
          grey[y * w + x] = alpha * value + (1 - alpha) * 255;
        }
      }
      return grey;
    }
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      image.getRGB(0, y, w, 1, row, 0, w);
      for (int x = 0; x < w; x++) {
        int argb = row[x];
        float alpha = (argb >>> 24) / 255f;
        float luma = 0.299f * ((argb >> 16) & 0xff) + 0.587f * ((argb >> 8) & 0xff) + 0.114f * (argb & 0xff);
        grey[y * w + x] = alpha * luma + (1 - alpha) * 255;
      }
    }
    return grey;
  }

  /** Median of the pixels on the image's outermost rows and columns. */
  static float borderMedian(float[] grey, int w, int h) {
    float[] border = new float[h == 1 || w == 1 ? w * h : 2 * w + 2 * (h - 2)];
    int n = 0;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (y == 0 || y == h - 1 || x == 0 || x == w - 1) {
          border[n++] = grey[y * w + x];
        }
      }
    }
    Arrays.sort(border, 0, n);
    return n % 2 == 1 ? border[n / 2] : (border[n / 2 - 1] + border[n / 2]) / 2;
  }

  /** Scales {@code grey} so that its maximum {@code max} becomes 255. */
  private static void stretch(float[] grey, float max) {
    if (max > 0 && max != 255) {
      float k = 255 / max;
      for (int i = 0; i < grey.length; i++) {
        grey[i] *= k;
      }
    }
  }

  /** Separable resampling: rows first, then columns. */
  static float[] resize(float[] src, int srcW, int srcH, int dstW, int dstH) {
    if (srcW == dstW && srcH == dstH) {
      return src.clone();
    }
    Weights across = Weights.of(srcW, dstW);
    Weights down = Weights.of(srcH, dstH);
    float[] wide = new float[dstW * srcH];
    for (int y = 0; y < srcH; y++) {
      for (int x = 0; x < dstW; x++) {
        wide[y * dstW + x] = across.apply(src, y * srcW, 1, x);
      }
    }
    float[] out = new float[dstW * dstH];
    for (int y = 0; y < dstH; y++) {
      for (int x = 0; x < dstW; x++) {
        out[y * dstW + x] = down.apply(wide, x, dstW, y);
      }
    }
    return out;
  }

  /**
   * For each output index along one axis, the input indices and weights that make it. Shrinking averages the
   * input pixels each output pixel covers, weighted by overlap (area averaging); enlarging interpolates linearly
   * between the two nearest input pixel centres.
   */
  private record Weights(int[][] index, float[][] weight) {
    static Weights of(int srcLen, int dstLen) {
      int[][] index = new int[dstLen][];
      float[][] weight = new float[dstLen][];
      double ratio = (double) srcLen / dstLen;
      for (int i = 0; i < dstLen; i++) {
        if (ratio >= 1) {
          double from = i * ratio;
          double to = (i + 1) * ratio;
          int first = (int) Math.floor(from);
          int last = Math.min(srcLen - 1, (int) Math.ceil(to) - 1);
          index[i] = new int[last - first + 1];
          weight[i] = new float[last - first + 1];
          for (int j = first; j <= last; j++) {
            double overlap = Math.min(to, j + 1) - Math.max(from, j);
            index[i][j - first] = j;
            weight[i][j - first] = (float) (overlap / ratio);
          }
        } else if (srcLen == 1) {
          index[i] = new int[] {0};
          weight[i] = new float[] {1};
        } else {
          double centre = Math.max(0, Math.min(srcLen - 1, (i + 0.5) * ratio - 0.5));
          int j = Math.min((int) Math.floor(centre), srcLen - 2);
          float f = (float) (centre - j);
          index[i] = new int[] {j, j + 1};
          weight[i] = new float[] {1 - f, f};
        }
      }
      return new Weights(index, weight);
    }

    /** Output sample {@code i} from the line of {@code data} starting at {@code start} with {@code stride}. */
    float apply(float[] data, int start, int stride, int i) {
      float sum = 0;
      for (int k = 0; k < index[i].length; k++) {
        sum += weight[i][k] * data[start + index[i][k] * stride];
      }
      return sum;
    }
  }

  private static int clamp(int v, int lo, int hi) {
    return Math.max(lo, Math.min(hi, v));
  }
}
