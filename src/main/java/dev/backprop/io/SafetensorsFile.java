package dev.backprop.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.backprop.UserError;
import dev.backprop.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A validated safetensors file in memory: tensor names in header order, their dtypes and shapes, the metadata,
 * and typed copies of their values. Every accessor copies; a name that is missing, or a dtype that the accessor
 * cannot convert exactly, is a {@link UserError} naming the file and the tensor.
 */
public final class SafetensorsFile {
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();
  private static final String METADATA = "__metadata__";
  private static final long FLOAT_EXACT_INTEGER = 1L << 24;

  private record Entry(String name, Dtype dtype, int[] shape, int count, int begin, int end) {}

  private final String source;
  private final ByteBuffer data;
  private final Map<String, Entry> entries;
  private final Map<String, String> metadata;

  private SafetensorsFile(
      String source, ByteBuffer data, Map<String, Entry> entries, Map<String, String> metadata) {
    this.source = source;
    this.data = data;
    this.entries = entries;
    this.metadata = metadata;
  }

  /** Tensor names in header order. */
  public List<String> names() {
    return List.copyOf(entries.keySet());
  }

  public boolean contains(String name) {
    return entries.containsKey(name);
  }

  /** The {@code __metadata__} map (empty if the file has none), in header order. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** Where this file came from, as used in error messages. */
  public String source() {
    return source;
  }

  public Dtype dtype(String name) {
    return entry(name).dtype();
  }

  /** The shape; {@code []} for a scalar. */
  public int[] shape(String name) {
    return entry(name).shape().clone();
  }

  /** Number of elements (1 for a scalar). */
  public int size(String name) {
    return entry(name).count();
  }

  /** Values of an F32 tensor, or of an F16 or BF16 one widened exactly. */
  public float[] floats(String name) {
    Entry e = entry(name);
    ByteBuffer b = bytes(e);
    float[] out = new float[e.count()];
    switch (e.dtype()) {
      case F32 -> b.asFloatBuffer().get(out);
      case F16 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = Float.float16ToFloat(b.getShort(2 * i));
        }
      }
      case BF16 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = Float.intBitsToFloat((b.getShort(2 * i) & 0xffff) << 16);
        }
      }
      default -> throw wrongType(e, "float32 (F32, F16 or BF16)");
    }
    return out;
  }

  /** Values of any floating-point tensor (F64, or F32, F16, BF16 widened exactly). */
  public double[] doubles(String name) {
    Entry e = entry(name);
    if (e.dtype() == Dtype.F64) {
      double[] out = new double[e.count()];
      bytes(e).asDoubleBuffer().get(out);
      return out;
    }
    if (!e.dtype().isFloatingPoint()) {
      throw wrongType(e, "floating point");
    }
    float[] f = floats(name);
    double[] out = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      out[i] = f[i];
    }
    return out;
  }

  /** Values of any integer (or BOOL, as 0/1) tensor; U64 values above {@link Long#MAX_VALUE} are an error. */
  public long[] longs(String name) {
    Entry e = entry(name);
    ByteBuffer b = bytes(e);
    long[] out = new long[e.count()];
    for (int i = 0; i < out.length; i++) {
      out[i] =
          switch (e.dtype()) {
            case I64 -> b.getLong(8 * i);
            case U64 -> {
              long v = b.getLong(8 * i);
              if (v < 0) {
                throw new UserError(
                    source + ": tensor '" + name + "' holds a U64 value too large for a signed 64-bit integer");
              }
              yield v;
            }
            case I32 -> b.getInt(4 * i);
            case U32 -> b.getInt(4 * i) & 0xffff_ffffL;
            case I16 -> b.getShort(2 * i);
            case U16 -> b.getShort(2 * i) & 0xffff;
            case I8 -> b.get(i);
            case U8, BOOL -> b.get(i) & 0xff;
            default -> throw wrongType(e, "integer");
          };
    }
    return out;
  }

  /**
   * The tensor as a float32 {@link Tensor} with its shape: F32, F16 and BF16 exactly; integer tensors (such as
   * BatchNorm's int64 {@code num_batches_tracked}) when every value is a float-exact integer (|v| &le; 2^24). F64
   * is refused rather than silently rounded: read it with {@link #doubles}.
   */
  public Tensor tensor(String name) {
    Entry e = entry(name);
    float[] values;
    if (e.dtype().isFloatingPoint()) {
      values = floats(name);
    } else {
      long[] longs = longs(name);
      values = new float[longs.length];
      for (int i = 0; i < longs.length; i++) {
        if (Math.abs(longs[i]) > FLOAT_EXACT_INTEGER) {
          throw new UserError(
              source + ": tensor '" + name + "' holds " + longs[i] + ", which a float32 tensor cannot hold exactly");
        }
        values[i] = longs[i];
      }
    }
    return Tensor.wrap(values, e.shape());
  }

  private Entry entry(String name) {
    Entry e = entries.get(name);
    if (e == null) {
      List<String> names = names();
      String known =
          names.size() <= 12
              ? String.join(", ", names)
              : String.join(", ", names.subList(0, 12)) + ", ... (" + names.size() + " in all)";
      throw new UserError(source + ": no tensor named '" + name + "' (tensors: " + known + ")");
    }
    return e;
  }

  private ByteBuffer bytes(Entry e) {
    return data.slice(e.begin(), e.end() - e.begin()).order(ByteOrder.LITTLE_ENDIAN);
  }

  private UserError wrongType(Entry e, String wanted) {
    return new UserError(
        source + ": tensor '" + e.name() + "' is " + e.dtype() + ", expected " + wanted);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Parsing and validation.

  static SafetensorsFile parse(byte[] file, String source) {
    if (file.length < 8) {
      throw corrupt(source, "file is " + file.length + " bytes, shorter than the 8-byte header length (truncated "
          + "or empty file?)");
    }
    ByteBuffer all = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    long headerLength = all.getLong(0);
    if (headerLength < 2 || headerLength > file.length - 8L || headerLength > Safetensors.MAX_HEADER_BYTES) {
      boolean cut = headerLength > file.length - 8L && headerLength <= Safetensors.MAX_HEADER_BYTES;
      throw corrupt(source, "header length " + Long.toUnsignedString(headerLength) + " does not fit a file of "
          + file.length + " bytes" + (cut ? " (truncated file?)" : ""));
    }
    int dataStart = 8 + (int) headerLength;
    int dataLength = file.length - dataStart;
    JsonNode header;
    try {
      header = JSON.readTree(file, 8, (int) headerLength);
    } catch (JacksonException e) {
      throw corrupt(source, "header is not valid JSON: " + e.getOriginalMessage());
    } catch (java.io.IOException e) {
      throw corrupt(source, "header is unreadable: " + e.getMessage());
    }
    if (header == null || !header.isObject()) {
      throw corrupt(source, "header is not a JSON object");
    }

    Map<String, Entry> entries = new LinkedHashMap<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> field : header.properties()) {
      String name = field.getKey();
      JsonNode node = field.getValue();
      if (name.equals(METADATA)) {
        readMetadata(node, metadata, source);
      } else {
        entries.put(name, readEntry(name, node, dataLength, source));
      }
    }
    checkCoverage(entries.values(), dataLength, source);
    ByteBuffer data = ByteBuffer.wrap(file, dataStart, dataLength).slice().order(ByteOrder.LITTLE_ENDIAN);
    return new SafetensorsFile(
        source, data, Collections.unmodifiableMap(entries), Collections.unmodifiableMap(metadata));
  }

  private static void readMetadata(JsonNode node, Map<String, String> metadata, String source) {
    if (!node.isObject()) {
      throw corrupt(source, "__metadata__ is not a JSON object");
    }
    for (Map.Entry<String, JsonNode> m : node.properties()) {
      if (!m.getValue().isTextual()) {
        throw corrupt(source, "__metadata__ value for '" + m.getKey() + "' is not a string");
      }
      metadata.put(m.getKey(), m.getValue().textValue());
    }
  }

  private static final Set<String> ENTRY_FIELDS = Set.of("dtype", "shape", "data_offsets");

  private static Entry readEntry(String name, JsonNode node, int dataLength, String source) {
    String where = "tensor '" + name + "'";
    if (!node.isObject()) {
      throw corrupt(source, where + " is not a JSON object");
    }
    for (String field : ENTRY_FIELDS) {
      if (!node.has(field)) {
        throw corrupt(source, where + " has no " + field);
      }
    }
    JsonNode dtypeNode = node.get("dtype");
    Dtype dtype = dtypeNode.isTextual() ? Dtype.parse(dtypeNode.textValue()) : null;
    if (dtype == null) {
      throw corrupt(
          source,
          where + " has unknown dtype " + dtypeNode + " (known: " + Arrays.toString(Dtype.values()) + ")");
    }

    JsonNode shapeNode = node.get("shape");
    if (!shapeNode.isArray()) {
      throw corrupt(source, where + " has a shape that is not an array: " + shapeNode);
    }
    int[] shape = new int[shapeNode.size()];
    long count = 1;
    for (int i = 0; i < shape.length; i++) {
      JsonNode d = shapeNode.get(i);
      if (!d.canConvertToLong() || !d.isIntegralNumber() || d.longValue() < 0 || d.longValue() > Integer.MAX_VALUE) {
        throw corrupt(source, where + " has an invalid shape " + shapeNode);
      }
      shape[i] = (int) d.longValue();
      count *= shape[i];
      if (count > Integer.MAX_VALUE) {
        throw corrupt(source, where + " has a shape too large for this reader: " + shapeNode);
      }
    }

    JsonNode offsets = node.get("data_offsets");
    if (!offsets.isArray()
        || offsets.size() != 2
        || !offsets.get(0).isIntegralNumber()
        || !offsets.get(1).isIntegralNumber()
        || !offsets.get(0).canConvertToLong()
        || !offsets.get(1).canConvertToLong()) {
      throw corrupt(source, where + " has invalid data_offsets " + offsets + " (expected [begin, end])");
    }
    long begin = offsets.get(0).longValue();
    long end = offsets.get(1).longValue();
    if (begin < 0 || end < begin || end > dataLength) {
      throw corrupt(
          source,
          where
              + " has data_offsets "
              + offsets
              + " outside the data area of "
              + dataLength
              + " bytes (truncated file?)");
    }
    long expected = count * dtype.bytes();
    if (end - begin != expected) {
      throw corrupt(
          source,
          where
              + " is "
              + dtype
              + " "
              + Arrays.toString(shape)
              + ", "
              + expected
              + " bytes, but data_offsets "
              + offsets
              + " span "
              + (end - begin)
              + " bytes");
    }
    return new Entry(name, dtype, shape, (int) count, (int) begin, (int) end);
  }

  /** The tensors must tile the data area exactly: no overlap, no gap, nothing after the last one. */
  private static void checkCoverage(Iterable<Entry> entries, int dataLength, String source) {
    List<Entry> sorted = new ArrayList<>();
    entries.forEach(sorted::add);
    sorted.sort(Comparator.comparingInt(Entry::begin).thenComparingInt(Entry::end));
    long position = 0;
    Entry previous = null;
    for (Entry e : sorted) {
      if (e.begin() < position) {
        throw corrupt(source, "tensors '" + previous.name() + "' and '" + e.name() + "' overlap");
      }
      if (e.begin() > position) {
        throw corrupt(source, "data bytes " + position + ".." + e.begin() + " belong to no tensor");
      }
      position = e.end();
      previous = e;
    }
    if (position != dataLength) {
      throw corrupt(
          source,
          "data area is "
              + dataLength
              + " bytes but the tensors cover "
              + position
              + " (truncated file or trailing bytes)");
    }
  }

  private static UserError corrupt(String source, String problem) {
    return new UserError(source + ": not a valid safetensors file: " + problem);
  }
}
