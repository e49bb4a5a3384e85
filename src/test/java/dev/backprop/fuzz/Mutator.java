package dev.backprop.fuzz;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What disks, downloads and hand edits do to a valid file, as seeded random mutations: bits flipped, bytes
 * overwritten (with random or boundary values), the file cut short or extended, ranges deleted, inserted or copied,
 * and the format's length fields set to boundary values (0, 1, -1, the largest and smallest integers, the old value
 * plus or minus one, doubled, random). Byte positions favour the first 64 bytes, where the headers are.
 */
public final class Mutator {
  /** A fixed-size integer field of a format: where a length, count or dimension lives. */
  public record Field(String name, int offset, int bytes, ByteOrder order) {
    public static Field bigEndian(String name, int offset, int bytes) {
      return new Field(name, offset, bytes, ByteOrder.BIG_ENDIAN);
    }

    public static Field littleEndian(String name, int offset, int bytes) {
      return new Field(name, offset, bytes, ByteOrder.LITTLE_ENDIAN);
    }
  }

  private static final byte[] BOUNDARY_BYTES = {0, 1, (byte) 0x7f, (byte) 0x80, (byte) 0xff};

  private Mutator() {}

  /** One to four mutations of {@code valid}, which is not modified. */
  public static Fuzz.Input mutate(byte[] valid, List<Field> fields, SplittableRandom random) {
    byte[] bytes = valid.clone();
    List<String> how = new ArrayList<>();
    int count = 1 + random.nextInt(4);
    for (int m = 0; m < count; m++) {
      bytes = mutateOnce(bytes, fields, random, how);
    }
    return new Fuzz.Input(bytes, String.join(", ", how));
  }

  private static byte[] mutateOnce(byte[] bytes, List<Field> fields, SplittableRandom random, List<String> how) {
    int kind = random.nextInt(100);
    if (bytes.length == 0 || kind < 2) {
      byte[] noise = new byte[random.nextInt(Math.max(1, 2 * bytes.length))];
      random.nextBytes(noise);
      how.add("replaced by " + noise.length + " random bytes");
      return noise;
    }
    if (kind < 22) {
      int at = position(bytes.length, random);
      int bit = random.nextInt(8);
      bytes[at] ^= (byte) (1 << bit);
      how.add("bit " + bit + " of byte " + at + " flipped");
      return bytes;
    }
    if (kind < 37) {
      int at = position(bytes.length, random);
      bytes[at] = random.nextBoolean() ? (byte) random.nextInt(256)
          : BOUNDARY_BYTES[random.nextInt(BOUNDARY_BYTES.length)];
      how.add("byte " + at + " set to " + (bytes[at] & 0xff));
      return bytes;
    }
    if (kind < 62 && !fields.isEmpty()) {
      Field field = fields.get(random.nextInt(fields.size()));
      if (field.offset() + field.bytes() <= bytes.length) {
        long value = boundaryValue(read(bytes, field), field.bytes(), random);
        write(bytes, field, value);
        how.add(field.name() + " set to " + value);
        return bytes;
      }
    }
    if (kind < 74) {
      int length = random.nextBoolean() ? random.nextInt(bytes.length)
          : Math.max(0, bytes.length - 1 - random.nextInt(Math.min(bytes.length, 16)));
      how.add("cut to " + length + " of " + bytes.length + " bytes");
      return Arrays.copyOf(bytes, length);
    }
    if (kind < 80) {
      byte[] tail = new byte[1 + random.nextInt(64)];
      if (random.nextBoolean()) {
        random.nextBytes(tail);
      }
      how.add(tail.length + " bytes appended");
      byte[] longer = Arrays.copyOf(bytes, bytes.length + tail.length);
      System.arraycopy(tail, 0, longer, bytes.length, tail.length);
      return longer;
    }
    int at = position(bytes.length, random);
    int length = 1 + random.nextInt(Math.min(64, bytes.length - at));
    if (kind < 87) {
      how.add(length + " bytes deleted at " + at);
      byte[] shorter = new byte[bytes.length - length];
      System.arraycopy(bytes, 0, shorter, 0, at);
      System.arraycopy(bytes, at + length, shorter, at, bytes.length - at - length);
      return shorter;
    }
    if (kind < 94) {
      byte[] inserted = new byte[length];
      random.nextBytes(inserted);
      how.add(length + " random bytes inserted at " + at);
      byte[] longer = new byte[bytes.length + length];
      System.arraycopy(bytes, 0, longer, 0, at);
      System.arraycopy(inserted, 0, longer, at, length);
      System.arraycopy(bytes, at, longer, at + length, bytes.length - at);
      return longer;
    }
    int to = random.nextInt(bytes.length - length + 1);
    System.arraycopy(bytes.clone(), at, bytes, to, length);
    how.add(length + " bytes copied from " + at + " to " + to);
    return bytes;
  }

  /** Half the time within the first 64 bytes (the header), else anywhere. */
  private static int position(int length, SplittableRandom random) {
    return random.nextBoolean() ? random.nextInt(Math.min(length, 64)) : random.nextInt(length);
  }

  /** A value that breaks length arithmetic: 0, ±1, the extremes, near the old value, or random. */
  static long boundaryValue(long old, int bytes, SplittableRandom random) {
    long max = bytes == 8 ? Long.MAX_VALUE : (1L << (8 * bytes - 1)) - 1;
    long min = bytes == 8 ? Long.MIN_VALUE : -(1L << (8 * bytes - 1));
    return switch (random.nextInt(11)) {
      case 0 -> 0;
      case 1 -> 1;
      case 2 -> -1;
      case 3 -> max;
      case 4 -> min;
      case 5 -> old + 1;
      case 6 -> old - 1;
      case 7 -> old * 2;
      case 8 -> old + 1 + random.nextInt(1 << 16);
      case 9 -> old / 2;
      default -> random.nextLong();
    };
  }

  static long read(byte[] bytes, Field field) {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(field.order());
    return switch (field.bytes()) {
      case 1 -> b.get(field.offset());
      case 2 -> b.getShort(field.offset());
      case 4 -> b.getInt(field.offset());
      case 8 -> b.getLong(field.offset());
      default -> throw new IllegalArgumentException("field of " + field.bytes() + " bytes");
    };
  }

  static void write(byte[] bytes, Field field, long value) {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(field.order());
    switch (field.bytes()) {
      case 1 -> b.put(field.offset(), (byte) value);
      case 2 -> b.putShort(field.offset(), (short) value);
      case 4 -> b.putInt(field.offset(), (int) value);
      case 8 -> b.putLong(field.offset(), value);
      default -> throw new IllegalArgumentException("field of " + field.bytes() + " bytes");
    }
  }
}
