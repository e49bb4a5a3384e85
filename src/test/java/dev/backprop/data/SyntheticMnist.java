package dev.backprop.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/** Small IDX files made up for tests: deterministic pixels and labels, raw or gzipped. */
public final class SyntheticMnist {
  private SyntheticMnist() {}

  /** IDX bytes: the magic, the dimensions, then the data. */
  static byte[] idx(int magic, int[] dims, byte[] data) {
    ByteBuffer buffer = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
    buffer.putInt(magic);
    for (int d : dims) {
      buffer.putInt(d);
    }
    buffer.put(data);
    return buffer.array();
  }

  /** {@code count} images of rows x cols: a blob whose position depends on the index, so images differ. */
  static byte[] pixels(int count, int rows, int cols, long seed) {
    byte[] pixels = new byte[count * rows * cols];
    SplitMix64 random = new SplitMix64(seed);
    for (int i = 0; i < count; i++) {
      int cy = rows / 4 + random.nextInt(rows / 2);
      int cx = cols / 4 + random.nextInt(cols / 2);
      for (int y = 0; y < rows; y++) {
        for (int x = 0; x < cols; x++) {
          double d2 = (y - cy) * (y - cy) + (x - cx) * (x - cx);
          pixels[(i * rows + y) * cols + x] = (byte) Math.round(255 * Math.exp(-d2 / 12.0));
        }
      }
    }
    return pixels;
  }

  static byte[] labels(int count, long seed) {
    byte[] labels = new byte[count];
    SplitMix64 random = new SplitMix64(seed);
    for (int i = 0; i < count; i++) {
      labels[i] = (byte) random.nextInt(10);
    }
    return labels;
  }

  static byte[] images(int count, int rows, int cols, long seed) {
    return idx(Idx.IMAGES_MAGIC, new int[] {count, rows, cols}, pixels(count, rows, cols, seed));
  }

  static byte[] labelFile(int count, long seed) {
    return idx(Idx.LABELS_MAGIC, new int[] {count}, labels(count, seed));
  }

  static byte[] gzip(byte[] raw) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
        gz.write(raw);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The decompressed content of a synthetic "MNIST": 28x28, {@code train} and {@code test} images. */
  static Map<MnistFile, byte[]> content(int train, int test, long seed) {
    Map<MnistFile, byte[]> files = new EnumMap<>(MnistFile.class);
    files.put(MnistFile.TRAIN_IMAGES, images(train, 28, 28, seed));
    files.put(MnistFile.TRAIN_LABELS, labelFile(train, seed + 1));
    files.put(MnistFile.TEST_IMAGES, images(test, 28, 28, seed + 2));
    files.put(MnistFile.TEST_LABELS, labelFile(test, seed + 3));
    return files;
  }

  /** A directory of gzipped synthetic MNIST-named files (random pixels and labels), for command-line tests. */
  public static Path directory(Path dir, int train, int test, long seed) {
    return write(dir, content(train, test, seed), true);
  }

  /** Writes the files into {@code dir} under their MNIST names, gzipped or raw; returns {@code dir}. */
  static Path write(Path dir, Map<MnistFile, byte[]> content, boolean gzipped) {
    try {
      Files.createDirectories(dir);
      for (Map.Entry<MnistFile, byte[]> entry : content.entrySet()) {
        MnistFile file = entry.getKey();
        if (gzipped) {
          Files.write(dir.resolve(file.gzName()), gzip(entry.getValue()));
        } else {
          Files.write(dir.resolve(file.fileName()), entry.getValue());
        }
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The first {@code count} images of {@code split} of the real MNIST when {@code BACKPROP_DATA} names it (CI sets
   * it), otherwise {@code count} synthetic blobs with random labels.
   */
  public static MnistSet realOrSynthetic(MnistSet.Split split, int count, long seed) {
    String dir = System.getenv(MnistSource.DATA_ENV);
    if (dir != null && !dir.isBlank() && Files.isDirectory(Path.of(dir))) {
      Mnist mnist = MnistSource.builder().env(Map.of()).mirrors(List.of()).npm(null).build().load(Path.of(dir));
      return (split == MnistSet.Split.TRAIN ? mnist.train() : mnist.test()).limit(count);
    }
    return set(split, count, seed);
  }

  /** A set held in memory, for loader and augmentation tests. */
  static MnistSet set(MnistSet.Split split, int count, long seed) {
    return new MnistSet(split, pixels(count, 28, 28, seed), labels(count, seed + 1), 28, 28);
  }
}
