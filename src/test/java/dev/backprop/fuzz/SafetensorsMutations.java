package dev.backprop.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Mutations of a valid safetensors file, in three families: bytes (anywhere, and the 8-byte header length set to
 * boundary values), the JSON header edited as JSON (dtypes, shapes, data offsets, names, fields and metadata
 * changed, removed or mistyped; duplicate names; deep nesting; the header length then right or wrong) and the
 * values (float32 elements set to NaN, ±infinity or the largest float).
 */
public final class SafetensorsMutations {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final String DEEP = "nested arrays, depth ";
  private static final List<Mutator.Field> LENGTH = List.of(Mutator.Field.littleEndian("header length", 0, 8));
  private static final String[] DTYPES = {"F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "U16",
      "U32", "U64", "BOOL", "F8_E4M3", "f32", "", "F32 "};
  private static final float[] SPECIAL_FLOATS = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
      Float.MAX_VALUE, -0f, Float.MIN_VALUE};

  /** A valid file taken apart: its JSON header and its data area. */
  private record Parts(ObjectNode header, byte[] data) {}

  private SafetensorsMutations() {}

  /** One mutant of {@code valid}, from one of the three families. */
  public static Fuzz.Input mutate(byte[] valid, SplittableRandom random) {
    int family = random.nextInt(20);
    if (family < 8) {
      return Mutator.mutate(valid, LENGTH, random);
    }
    if (family < 18) {
      return editHeader(valid, random);
    }
    return editValues(valid, random);
  }

  /** The header edited as JSON one to three times, then written back with a right (mostly) or wrong length. */
  static Fuzz.Input editHeader(byte[] valid, SplittableRandom random) {
    Parts parts = split(valid);
    List<String> how = new ArrayList<>();
    JsonNode header = parts.header();
    int edits = 1 + random.nextInt(3);
    for (int i = 0; i < edits; i++) {
      header = edit(header, random, how);
    }
    byte[] json = serialize(header, random, how);
    byte[] data = parts.data();
    if (random.nextInt(5) == 0) {
      int length = random.nextInt(data.length + 1);
      how.add("data cut to " + length + " of " + data.length + " bytes");
      data = Arrays.copyOf(data, length);
    }
    long headerLength = json.length;
    if (random.nextInt(8) == 0) {
      headerLength = Mutator.boundaryValue(json.length, 8, random);
      how.add("header length set to " + headerLength);
    }
    ByteBuffer file = ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    file.putLong(headerLength).put(json).put(data);
    return new Fuzz.Input(file.array(), String.join(", ", how));
  }

  /** One to eight float32 elements of the data area set to NaN, ±infinity, the largest float, -0 or the least. */
  static Fuzz.Input editValues(byte[] valid, SplittableRandom random) {
    Parts parts = split(valid);
    List<String> how = new ArrayList<>();
    List<String> floats = new ArrayList<>();
    parts.header().properties().forEach(e -> {
      if (e.getValue().path("dtype").asText().equals("F32") && e.getValue().path("data_offsets").get(1).asLong()
          > e.getValue().path("data_offsets").get(0).asLong()) {
        floats.add(e.getKey());
      }
    });
    byte[] bytes = valid.clone();
    ByteBuffer file = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int dataStart = valid.length - parts.data().length;
    int count = floats.isEmpty() ? 0 : 1 + random.nextInt(8);
    for (int i = 0; i < count; i++) {
      String name = floats.get(random.nextInt(floats.size()));
      JsonNode offsets = parts.header().get(name).get("data_offsets");
      int elements = (offsets.get(1).asInt() - offsets.get(0).asInt()) / 4;
      int element = random.nextInt(elements);
      float value = SPECIAL_FLOATS[random.nextInt(SPECIAL_FLOATS.length)];
      file.putFloat(dataStart + offsets.get(0).asInt() + 4 * element, value);
      how.add(name + "[" + element + "] set to " + value);
    }
    return new Fuzz.Input(bytes, how.isEmpty() ? "unchanged" : String.join(", ", how));
  }

  private static Parts split(byte[] valid) {
    ByteBuffer file = ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN);
    int headerLength = (int) file.getLong(0);
    try {
      ObjectNode header = (ObjectNode) JSON.readTree(valid, 8, headerLength);
      return new Parts(header, Arrays.copyOfRange(valid, 8 + headerLength, valid.length));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode edit(JsonNode header, SplittableRandom random, List<String> how) {
    if (!(header instanceof ObjectNode root) || root.isEmpty()) {
      how.add("header replaced by {}");
      return NODES.objectNode();
    }
    List<String> names = new ArrayList<>();
    root.properties().forEach(e -> names.add(e.getKey()));
    String name = names.get(random.nextInt(names.size()));
    JsonNode node = root.get(name);
    int kind = random.nextInt(20);
    if (name.equals("__metadata__") || kind == 0) {
      return editMetadata(root, random, how);
    }
    if (!(node instanceof ObjectNode entry)) {
      root.remove(name);
      how.add("'" + name + "' removed");
      return root;
    }
    switch (kind) {
      case 1, 2, 3 -> {
        JsonNode dtype = random.nextInt(6) == 0 ? NODES.numberNode(32) : NODES.textNode(pick(DTYPES, random));
        entry.set("dtype", dtype);
        how.add(name + ".dtype = " + dtype);
      }
      case 4, 5, 6, 7 -> editShape(name, entry, random, how);
      case 8, 9, 10, 11, 12 -> editOffsets(name, entry, random, how);
      case 13 -> {
        String field = pick(new String[] {"dtype", "shape", "data_offsets"}, random);
        entry.remove(field);
        how.add(name + "." + field + " removed");
      }
      case 14 -> {
        entry.put("extra", 1);
        how.add(name + ".extra added");
      }
      case 15 -> {
        root.remove(name);
        how.add("'" + name + "' removed");
      }
      case 16 -> {
        String renamed = pick(new String[] {"", "weight", name + "x", "0.weight", "é", "__metadata__"}, random);
        root.remove(name);
        root.set(renamed, entry);
        how.add("'" + name + "' renamed '" + renamed + "'");
      }
      case 17 -> {
        JsonNode replacement = pick(new JsonNode[] {NODES.numberNode(3), NODES.textNode("x"), NODES.arrayNode(),
            NODES.nullNode()}, random);
        root.set(name, replacement);
        how.add("'" + name + "' = " + replacement);
      }
      case 18 -> {
        int depth = 1 + random.nextInt(3000);
        entry.put("shape", DEEP + depth); // nested arrays, written as text: Jackson writes at most 1000 levels
        how.add(name + ".shape nested " + depth + " deep");
      }
      default -> {
        how.add("header replaced by an array");
        return NODES.arrayNode().add(root);
      }
    }
    return root;
  }

  private static JsonNode editMetadata(ObjectNode root, SplittableRandom random, List<String> how) {
    JsonNode value = pick(new JsonNode[] {NODES.numberNode(1), NODES.nullNode(), NODES.objectNode(),
        NODES.textNode(""), NODES.textNode("NaN"), NODES.textNode("-1"), NODES.textNode("c8 c16 m")}, random);
    if (random.nextInt(4) == 0) {
      root.set("__metadata__", value);
      how.add("__metadata__ = " + value);
      return root;
    }
    ObjectNode metadata = root.get("__metadata__") instanceof ObjectNode m ? m : root.putObject("__metadata__");
    List<String> keys = new ArrayList<>();
    metadata.properties().forEach(e -> keys.add(e.getKey()));
    String key = keys.isEmpty() || random.nextBoolean() ? "key" + random.nextInt(3) : keys.get(random.nextInt(
        keys.size()));
    metadata.set(key, value);
    how.add("__metadata__." + key + " = " + value);
    return root;
  }

  private static void editShape(String name, ObjectNode entry, SplittableRandom random, List<String> how) {
    if (!(entry.get("shape") instanceof ArrayNode shape) || random.nextInt(10) == 0) {
      JsonNode replacement = pick(new JsonNode[] {NODES.textNode("2"), NODES.objectNode(), NODES.numberNode(4)},
          random);
      entry.set("shape", replacement);
      how.add(name + ".shape = " + replacement);
      return;
    }
    int what = random.nextInt(4);
    if (what == 0 || shape.isEmpty()) {
      int at = random.nextInt(shape.size() + 1);
      shape.insert(at, random.nextBoolean() ? 1 : 2);
      how.add(name + ".shape: a dimension inserted at " + at);
    } else if (what == 1) {
      int at = random.nextInt(shape.size());
      shape.remove(at);
      how.add(name + ".shape: dimension " + at + " removed");
    } else {
      int at = random.nextInt(shape.size());
      JsonNode value = integerLike(shape.get(at).asLong(), random);
      shape.set(at, value);
      how.add(name + ".shape[" + at + "] = " + value);
    }
  }

  private static void editOffsets(String name, ObjectNode entry, SplittableRandom random, List<String> how) {
    if (!(entry.get("data_offsets") instanceof ArrayNode offsets) || offsets.size() != 2
        || random.nextInt(10) == 0) {
      JsonNode replacement = pick(new JsonNode[] {NODES.arrayNode().add(0), NODES.arrayNode().add(0).add(4).add(8),
          NODES.textNode("0,4"), NODES.nullNode()}, random);
      entry.set("data_offsets", replacement);
      how.add(name + ".data_offsets = " + replacement);
      return;
    }
    long begin = offsets.get(0).asLong();
    long end = offsets.get(1).asLong();
    switch (random.nextInt(4)) {
      case 0 -> {
        offsets.set(0, NODES.numberNode(end));
        offsets.set(1, NODES.numberNode(begin));
        how.add(name + ".data_offsets swapped");
      }
      case 1 -> {
        int shift = random.nextInt(-8, 9);
        offsets.set(0, NODES.numberNode(begin + shift));
        offsets.set(1, NODES.numberNode(end + shift));
        how.add(name + ".data_offsets shifted by " + shift);
      }
      default -> {
        int at = random.nextInt(2);
        JsonNode value = integerLike(offsets.get(at).asLong(), random);
        offsets.set(at, value);
        how.add(name + ".data_offsets[" + at + "] = " + value);
      }
    }
  }

  /** Near the old value, a boundary, a huge or negative integer, a fraction, a string, null. */
  private static JsonNode integerLike(long old, SplittableRandom random) {
    return switch (random.nextInt(14)) {
      case 0 -> NODES.numberNode(0);
      case 1 -> NODES.numberNode(-1);
      case 2 -> NODES.numberNode(old + 1);
      case 3 -> NODES.numberNode(old - 1);
      case 4 -> NODES.numberNode(old * 2);
      case 5 -> NODES.numberNode(Integer.MAX_VALUE);
      case 6 -> NODES.numberNode(1L << 31);
      case 7 -> NODES.numberNode((1L << 32) + old);
      case 8 -> NODES.numberNode(Long.MAX_VALUE);
      case 9 -> NODES.numberNode(BigInteger.ONE.shiftLeft(64).add(BigInteger.valueOf(old)));
      case 10 -> NODES.numberNode(old + 0.5);
      case 11 -> NODES.textNode(Long.toString(old));
      case 12 -> NODES.nullNode();
      default -> NODES.numberNode(old + 4);
    };
  }

  /** JSON text, padded to a multiple of 8 with spaces (mostly), or other bytes; now and then a duplicate name. */
  private static byte[] serialize(JsonNode header, SplittableRandom random, List<String> how) {
    String text;
    try {
      text = JSON.writeValueAsString(header);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (header instanceof ObjectNode root && root.size() >= 2 && random.nextInt(20) == 0) {
      List<String> names = new ArrayList<>();
      root.properties().forEach(e -> names.add(e.getKey()));
      String first = names.get(0);
      String second = names.get(1);
      text = text.replace("\"" + second + "\":", "\"" + first + "\":");
      how.add("'" + second + "' renamed '" + first + "' in the text (a duplicate name)");
    }
    Matcher deep = Pattern.compile("\"" + DEEP + "(\\d+)\"").matcher(text);
    if (deep.find()) {
      int depth = Integer.parseInt(deep.group(1));
      text = text.substring(0, deep.start()) + "[".repeat(depth) + "]".repeat(depth) + text.substring(deep.end());
    }
    byte[] json = text.getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8;
    byte pad = random.nextInt(10) == 0 ? pick(new byte[] {0, '\t', '\n', 'x', (byte) 0xc3}, random) : (byte) ' ';
    byte[] out = Arrays.copyOf(json, padded);
    Arrays.fill(out, json.length, padded, pad);
    if (pad != ' ' && padded > json.length) {
      how.add("padded with byte " + (pad & 0xff));
    }
    return out;
  }

  private static <T> T pick(T[] values, SplittableRandom random) {
    return values[random.nextInt(values.length)];
  }

  private static byte pick(byte[] values, SplittableRandom random) {
    return values[random.nextInt(values.length)];
  }
}
