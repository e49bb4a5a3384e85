package dev.backprop.data;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import dev.backprop.UserError;

/**
 * Reads IDX files, the format MNIST ships in: a big-endian header (magic {@code 0x0000 08 NN}: unsigned bytes,
 * NN dimensions; then NN 32-bit sizes) followed by the data, row-major. A file may be raw or gzipped (detected by
 * the gzip magic bytes {@code 1f 8b}, not by the name). Every read validates the header against the content and
 * computes the SHA-256 of the decompressed bytes on the way, in one pass. Any problem is one {@link UserError}
 * naming the file.
 */
public final class Idx {
  /** Magic number of an IDX file of unsigned bytes with 3 dimensions: images [count, rows, cols]. */
  public static final int IMAGES_MAGIC = 0x00000803;
  /** Magic number of an IDX file of unsigned bytes with 1 dimension: labels [count]. */
  public static final int LABELS_MAGIC = 0x00000801;
  /** Labels are digits. */
  public static final int CLASSES = 10;

  private static final int BUFFER = 1 << 16;
  /**
   * Data is read (and so hashed) at most this much at a time: the JIT compiles SHA-256 to its CPU intrinsic only
   * after a few calls, and one 47 MB call would run interpreted (several times slower).
   */
  private static final int CHUNK = 1 << 18;
  /**
   * Gzipped content is read into an array that grows as bytes arrive, starting at what the header promises but at
   * most this many times the compressed size (MNIST's files inflate about 5 times), so that a small file with a
   * lying header costs no large allocation.
   */
  private static final int INITIAL_INFLATION = 16;

  private Idx() {}

  /** What one read gives: the file, how many items it holds, and the SHA-256 of its decompressed bytes (hex). */
  public sealed interface Content permits Images, Labels {
    Path file();

    int count();

    String sha256();

    /** The same content, said to come from {@code file} (after a downloaded file was moved into place). */
    Content at(Path file);
  }

  /** An image file: {@code count} images of {@code rows x cols} unsigned bytes, one array for the whole set. */
  public record Images(Path file, int count, int rows, int cols, byte[] pixels, String sha256) implements Content {
    public int imageSize() {
      return rows * cols;
    }

    @Override
    public Images at(Path file) {
      return new Images(file, count, rows, cols, pixels, sha256);
    }
  }

  /** A label file: {@code count} labels, each in 0..9. */
  public record Labels(Path file, int count, byte[] labels, String sha256) implements Content {
    @Override
    public Labels at(Path file) {
      return new Labels(file, count, labels, sha256);
    }
  }

  public static Images readImages(Path file) {
    return readImages(file, file.toString());
  }

  /** Reads an image file; {@code name} is how error messages refer to it. */
  public static Images readImages(Path file, String name) {
    Raw raw = read(file, name, IMAGES_MAGIC);
    return new Images(file, raw.dims[0], raw.dims[1], raw.dims[2], raw.data, raw.sha256);
  }

  public static Labels readLabels(Path file) {
    return readLabels(file, file.toString());
  }

  /** Reads a label file and checks every label is in 0..9; {@code name} is how error messages refer to it. */
  public static Labels readLabels(Path file, String name) {
    Raw raw = read(file, name, LABELS_MAGIC);
    byte[] labels = raw.data;
    for (int i = 0; i < labels.length; i++) {
      int label = labels[i] & 0xff;
      if (label >= CLASSES) {
        throw new UserError(name + ": label " + label + " at index " + i + " is outside 0..9");
      }
    }
    return new Labels(file, raw.dims[0], labels, raw.sha256);
  }

  /** Writes content back as a raw (uncompressed) IDX file: the same bytes it was read from, decompressed. */
  public static void write(Content content, Path file) throws IOException {
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), BUFFER))) {
      switch (content) {
        case Images images -> {
          out.writeInt(IMAGES_MAGIC);
          out.writeInt(images.count());
          out.writeInt(images.rows());
          out.writeInt(images.cols());
          out.write(images.pixels());
        }
        case Labels labels -> {
          out.writeInt(LABELS_MAGIC);
          out.writeInt(labels.count());
          out.write(labels.labels());
        }
      }
    }
  }

  /** SHA-256 of a file's decompressed content, as lower-case hex, without parsing it. */
  public static String sha256(Path file) throws IOException {
    MessageDigest digest = sha256();
    try (InputStream in = new DigestInputStream(open(file), digest)) {
      byte[] buffer = new byte[BUFFER];
      while (in.read(buffer) >= 0) {
        // the digest stream sees every byte
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** True if the file starts with the gzip magic bytes {@code 1f 8b}. */
  public static boolean isGzip(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return in.read() == 0x1f && in.read() == 0x8b;
    }
  }

  private record Raw(int[] dims, byte[] data, String sha256) {}

  private static Raw read(Path file, String name, int expectedMagic) {
    MessageDigest digest = sha256();
    boolean gzip;
    try {
      gzip = isGzip(file);
    } catch (NoSuchFileException e) {
      throw new UserError(name + ": no such file");
    } catch (IOException e) {
      throw new UserError(name + ": cannot read: " + e.getMessage(), e);
    }
    try (InputStream in = new DigestInputStream(open(file), digest)) {
      int[] dims = readHeader(in, name, expectedMagic);
      long headerBytes = 4L + 4L * dims.length;
      long dataBytes = 1;
      for (int d : dims) {
        dataBytes *= d; // each factor < 2^31 and the running product <= 2^31: no overflow
        if (dataBytes > Integer.MAX_VALUE - 8) {
          throw new UserError(name + ": header describes " + dimsText(dims, dims.length) + " bytes, too large to load");
        }
      }
      if (!gzip) { // the length is known up front: refuse before allocating
        long actual = Files.size(file);
        if (actual != headerBytes + dataBytes) {
          throw new UserError(name + lengthProblem(headerBytes + dataBytes, actual));
        }
      }
      long initial = gzip ? Math.max(BUFFER, INITIAL_INFLATION * Files.size(file)) : dataBytes;
      byte[] data = readData(in, (int) dataBytes, (int) Math.min(dataBytes, initial), name, headerBytes);
      long extra = 0;
      byte[] buffer = new byte[BUFFER];
      for (int n; (n = in.read(buffer)) >= 0; ) {
        extra += n;
      }
      if (extra > 0) {
        throw new UserError(name + lengthProblem(headerBytes + dataBytes, headerBytes + dataBytes + extra));
      }
      return new Raw(dims, data, HexFormat.of().formatHex(digest.digest()));
    } catch (EOFException e) {
      throw new UserError(name + ": truncated: the gzip stream ends early", e);
    } catch (ZipException e) {
      throw new UserError(name + ": corrupt gzip data (" + e.getMessage() + ")", e);
    } catch (IOException e) {
      throw new UserError(name + ": cannot read: " + e.getMessage(), e);
    }
  }

  private static int[] readHeader(InputStream in, String name, int expectedMagic) throws IOException {
    byte[] magicBytes = in.readNBytes(4);
    if (magicBytes.length < 4) {
      throw new UserError(name + ": too short for an IDX header (" + magicBytes.length + " bytes)");
    }
    int magic = bigEndian(magicBytes, 0);
    if (magic != expectedMagic) {
      String what = expectedMagic == IMAGES_MAGIC ? "an IDX image file" : "an IDX label file";
      String hint = magic == LABELS_MAGIC ? " (it is a label file)"
          : magic == IMAGES_MAGIC ? " (it is an image file)"
          : (magic >>> 16) != 0 ? " (not IDX data at all)" : "";
      throw new UserError(String.format("%s: not %s: magic number 0x%08x, expected 0x%08x%s",
          name, what, magic, expectedMagic, hint));
    }
    int rank = magic & 0xff;
    byte[] sizes = in.readNBytes(4 * rank);
    if (sizes.length < 4 * rank) {
      throw new UserError(name + ": truncated: the header ends after " + (4 + sizes.length) + " bytes");
    }
    int[] dims = new int[rank];
    for (int i = 0; i < rank; i++) {
      dims[i] = bigEndian(sizes, 4 * i);
      if (dims[i] <= 0) {
        String what = i == 0 ? (rank == 1 ? "label count" : "image count") : (i == 1 ? "row count" : "column count");
        throw new UserError(name + ": " + what + " is " + Integer.toUnsignedString(dims[i])
            + " (dimensions " + dimsText(dims, i + 1) + ")");
      }
    }
    return dims;
  }

  /** Reads exactly {@code size} bytes; the array grows as data arrives, so a lying header cannot exhaust memory. */
  private static byte[] readData(InputStream in, int size, int initialCapacity, String name, long headerBytes)
      throws IOException {
    byte[] data = new byte[initialCapacity];
    int filled = 0;
    while (filled < size) {
      if (filled == data.length) {
        data = Arrays.copyOf(data, (int) Math.min(size, 2L * data.length));
      }
      int n = in.read(data, filled, Math.min(CHUNK, data.length - filled));
      if (n < 0) {
        throw new UserError(name + lengthProblem(headerBytes + size, headerBytes + filled));
      }
      filled += n;
    }
    return data;
  }

  private static String lengthProblem(long expected, long actual) {
    return actual < expected
        ? ": truncated: the header promises " + expected + " bytes, the content has " + actual
        : ": " + (actual - expected) + " bytes of content after the " + expected + " bytes the header describes";
  }

  private static InputStream open(Path file) throws IOException {
    InputStream in = new BufferedInputStream(Files.newInputStream(file), BUFFER);
    in.mark(2);
    boolean gzip = in.read() == 0x1f && in.read() == 0x8b;
    in.reset();
    return gzip ? new GZIPInputStream(in, BUFFER) : in;
  }

  private static int bigEndian(byte[] b, int offset) {
    return (b[offset] & 0xff) << 24 | (b[offset + 1] & 0xff) << 16 | (b[offset + 2] & 0xff) << 8
        | (b[offset + 3] & 0xff);
  }

  private static String dimsText(int[] dims, int known) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < known; i++) {
      text.append(i == 0 ? "" : " x ").append(Integer.toUnsignedString(dims[i]));
    }
    return text.toString();
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
