package dev.backprop.data;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Writes a minimal ustar archive, like the tarball {@code npm pack} makes, for tests. */
final class TarWriter {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  TarWriter file(String name, byte[] content) {
    return entry(name, (byte) '0', content);
  }

  TarWriter directory(String name) {
    return entry(name, (byte) '5', new byte[0]);
  }

  /** A pax extended header, which readers skip unless they honour its records. */
  TarWriter paxHeader(String name) {
    return entry(name, (byte) 'x', "18 mtime=1442080000\n".getBytes(StandardCharsets.UTF_8));
  }

  TarWriter entry(String name, byte type, byte[] content) {
    byte[] header = new byte[512];
    put(header, 0, name);
    put(header, 100, "0000644");
    put(header, 108, "0000000");
    put(header, 116, "0000000");
    put(header, 124, String.format("%011o", content.length));
    put(header, 136, String.format("%011o", 1_442_080_000L));
    header[156] = type;
    put(header, 257, "ustar");
    put(header, 263, "00");
    for (int i = 148; i < 156; i++) {
      header[i] = ' ';
    }
    int sum = 0;
    for (byte b : header) {
      sum += b & 0xff;
    }
    put(header, 148, String.format("%06o", sum));
    header[155] = ' ';
    out.writeBytes(header);
    out.writeBytes(content);
    out.writeBytes(new byte[(512 - content.length % 512) % 512]);
    return this;
  }

  byte[] toByteArray() {
    ByteArrayOutputStream done = new ByteArrayOutputStream();
    done.writeBytes(out.toByteArray());
    done.writeBytes(new byte[1024]);
    return done.toByteArray();
  }

  private static void put(byte[] header, int offset, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(bytes, 0, header, offset, bytes.length);
  }
}
