package dev.backprop.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backprop.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds a safetensors file from named tensors, written in the order they were added, after the metadata. The
 * arrays are referenced, not copied: their values are those at {@link #toBytes} or {@link #write} time. The JSON
 * header is padded with spaces so that the data starts at a multiple of 8 bytes.
 */
public final class SafetensorsWriter {
  private static final ObjectMapper JSON = new ObjectMapper();

  private record Item(String name, Dtype dtype, int[] shape, Object data, long bytes) {}

  private final List<Item> items = new ArrayList<>();
  private final Set<String> names = new HashSet<>();
  private final Map<String, String> metadata = new LinkedHashMap<>();

  SafetensorsWriter() {}

  public SafetensorsWriter metadata(String key, String value) {
    metadata.put(requireNonNull(key, "metadata key"), requireNonNull(value, "metadata value"));
    return this;
  }

  /** A float32 tensor with its own shape. */
  public SafetensorsWriter put(String name, Tensor tensor) {
    return putFloats(name, tensor.data(), tensor.shape());
  }

  public SafetensorsWriter putFloats(String name, float[] data, int... shape) {
    return add(name, Dtype.F32, shape, data, data.length);
  }

  public SafetensorsWriter putDoubles(String name, double[] data, int... shape) {
    return add(name, Dtype.F64, shape, data, data.length);
  }

  /** An int64 tensor (labels, counters such as {@code num_batches_tracked}). */
  public SafetensorsWriter putLongs(String name, long[] data, int... shape) {
    return add(name, Dtype.I64, shape, data, data.length);
  }

  private SafetensorsWriter add(String name, Dtype dtype, int[] shape, Object data, int length) {
    requireNonNull(name, "tensor name");
    if (name.isEmpty() || name.equals("__metadata__")) {
      throw new IllegalArgumentException("invalid tensor name '" + name + "'");
    }
    if (!names.add(name)) {
      throw new IllegalArgumentException("tensor '" + name + "' added twice");
    }
    long count = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("tensor '" + name + "' has negative dimension " + Arrays.toString(shape));
      }
      count *= d;
    }
    if (count != length) {
      throw new IllegalArgumentException(
          "tensor '" + name + "': " + length + " values do not fit shape " + Arrays.toString(shape));
    }
    items.add(new Item(name, dtype, shape.clone(), data, count * dtype.bytes()));
    return this;
  }

  /** The complete file. */
  public byte[] toBytes() {
    byte[] header = header();
    long total = 8L + header.length;
    for (Item item : items) {
      total += item.bytes();
    }
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("safetensors file of " + total + " bytes is too large for this writer");
    }
    ByteBuffer out = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(header.length).put(header);
    for (Item item : items) {
      int start = out.position();
      switch (item.dtype()) {
        case F32 -> out.asFloatBuffer().put((float[]) item.data());
        case F64 -> out.asDoubleBuffer().put((double[]) item.data());
        case I64 -> out.asLongBuffer().put((long[]) item.data());
        default -> throw new AssertionError(item.dtype());
      }
      out.position(start + (int) item.bytes());
    }
    return out.array();
  }

  /**
   * Writes the file through {@code <path>.tmp} and a rename ({@link AtomicFiles}), so that a reader never sees a
   * half-written file and an interrupted write leaves any previous file intact.
   */
  public void write(Path path) {
    AtomicFiles.write(path, toBytes());
  }

  private byte[] header() {
    ObjectNode root = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = root.putObject("__metadata__");
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (Item item : items) {
      ObjectNode entry = root.putObject(item.name());
      entry.put("dtype", item.dtype().name());
      ArrayNode shape = entry.putArray("shape");
      for (int d : item.shape()) {
        shape.add(d);
      }
      entry.putArray("data_offsets").add(offset).add(offset + item.bytes());
      offset += item.bytes();
    }
    byte[] json;
    try {
      json = JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    int padded = (json.length + 7) / 8 * 8;
    byte[] header = Arrays.copyOf(json, padded);
    Arrays.fill(header, json.length, padded, (byte) ' ');
    return header;
  }

  private static String requireNonNull(String s, String what) {
    if (s == null) {
      throw new IllegalArgumentException(what + " is null");
    }
    return s;
  }
}
