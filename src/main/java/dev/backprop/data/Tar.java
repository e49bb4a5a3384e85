package dev.backprop.data;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Just enough of a tar reader for an npm package tarball: ustar headers of 512 bytes, regular files only (pax and
 * other extension headers are skipped), octal sizes.
 */
final class Tar {
  private static final int BLOCK = 512;

  private Tar() {}

  /** Receives each regular file; {@code content} holds exactly {@code size} bytes and need not be read fully. */
  @FunctionalInterface
  interface EntryHandler {
    void entry(String name, long size, InputStream content) throws IOException;
  }

  /** Calls {@code handler} for each regular file in the (uncompressed) tar stream. */
  static void forEachFile(InputStream tar, EntryHandler handler) throws IOException {
    byte[] header = new byte[BLOCK];
    while (true) {
      int n = tar.readNBytes(header, 0, BLOCK);
      if (n == 0 || isZero(header, n)) {
        return; // end of archive: a zero block (or a missing one, which tar tolerates too)
      }
      if (n < BLOCK) {
        throw new EOFException("tar archive ends inside a header");
      }
      String name = text(header, 0, 100);
      if (text(header, 257, 5).equals("ustar")) {
        String prefix = text(header, 345, 155);
        if (!prefix.isEmpty()) {
          name = prefix + "/" + name;
        }
      }
      long size = octal(header, 124, 12);
      byte type = header[156];
      BoundedInputStream content = new BoundedInputStream(tar, size);
      if (type == '0' || type == 0) {
        handler.entry(name, size, content);
      }
      content.skipRest();
      long padding = (BLOCK - size % BLOCK) % BLOCK;
      tar.skipNBytes(padding);
    }
  }

  private static boolean isZero(byte[] block, int length) {
    for (int i = 0; i < length; i++) {
      if (block[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private static String text(byte[] header, int offset, int length) {
    int end = offset;
    while (end < offset + length && header[end] != 0) {
      end++;
    }
    return new String(header, offset, end - offset, StandardCharsets.UTF_8);
  }

  private static long octal(byte[] header, int offset, int length) throws IOException {
    long value = 0;
    for (int i = offset; i < offset + length; i++) {
      byte b = header[i];
      if (b == 0 || b == ' ') {
        if (value > 0) {
          break;
        }
        continue;
      }
      if (b < '0' || b > '7') {
        throw new IOException("tar header has a size that is not octal");
      }
      value = value * 8 + (b - '0');
    }
    return value;
  }

  /** A view of the next {@code remaining} bytes of a stream. */
  private static final class BoundedInputStream extends InputStream {
    private final InputStream in;
    private long remaining;

    BoundedInputStream(InputStream in, long remaining) {
      this.in = in;
      this.remaining = remaining;
    }

    @Override
    public int read() throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int b = in.read();
      if (b < 0) {
        throw new EOFException("tar archive ends inside an entry");
      }
      remaining--;
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int n = in.read(buffer, offset, (int) Math.min(length, remaining));
      if (n < 0) {
        throw new EOFException("tar archive ends inside an entry");
      }
      remaining -= n;
      return n;
    }

    void skipRest() throws IOException {
      in.skipNBytes(remaining);
      remaining = 0;
    }

    @Override
    public void close() {
      // the archive stream stays open for the next entry
    }
  }
}
