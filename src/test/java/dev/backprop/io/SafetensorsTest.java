package dev.backprop.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backprop.UserError;
import dev.backprop.golden.Golden;
import dev.backprop.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SafetensorsTest {

  private static SafetensorsWriter sample() {
    return Safetensors.writer()
        .metadata("format", "pt")
        .metadata("epoch", "3")
        .put("0.weight", Tensor.wrap(new float[] {1.5f, -2f, 0f, Float.MIN_VALUE, Float.MAX_VALUE, -0f}, 2, 3))
        .putDoubles("lr", new double[] {0.1, 1e-300}, 2)
        .putLongs("2.num_batches_tracked", new long[] {Long.MIN_VALUE}, new int[0])
        .putFloats("empty", new float[0], 0, 4)
        .putLongs("labels", new long[] {7, -1, 1L << 40}, 3);
  }

  @Test
  void roundTripKeepsOrderShapesValuesAndMetadata() {
    byte[] bytes = sample().toBytes();
    SafetensorsFile f = Safetensors.read(bytes, "sample");

    assertThat(f.names()).containsExactly("0.weight", "lr", "2.num_batches_tracked", "empty", "labels");
    assertThat(f.metadata()).containsExactly(Map.entry("format", "pt"), Map.entry("epoch", "3"));
    assertThat(f.dtype("0.weight")).isEqualTo(Dtype.F32);
    assertThat(f.shape("0.weight")).containsExactly(2, 3);
    assertThat(f.floats("0.weight")).containsExactly(1.5f, -2f, 0f, Float.MIN_VALUE, Float.MAX_VALUE, -0f);
    assertThat(Float.floatToRawIntBits(f.floats("0.weight")[5])).isEqualTo(Float.floatToRawIntBits(-0f));
    assertThat(f.doubles("lr")).containsExactly(0.1, 1e-300);
    assertThat(f.shape("2.num_batches_tracked")).isEmpty();
    assertThat(f.longs("2.num_batches_tracked")).containsExactly(Long.MIN_VALUE);
    assertThat(f.shape("empty")).containsExactly(0, 4);
    assertThat(f.floats("empty")).isEmpty();
    assertThat(f.longs("labels")).containsExactly(7, -1, 1L << 40);

    Tensor t = f.tensor("0.weight");
    assertThat(t.shape()).containsExactly(2, 3);
    assertThat(t.data()[0]).isEqualTo(1.5f);
  }

  @Test
  void headerIsPaddedWithSpacesSoDataStartsOnAnEightByteBoundary() {
    byte[] bytes = sample().toBytes();
    long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertThat((8 + headerLength) % 8).isZero();
    String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
    assertThat(header).startsWith("{\"__metadata__\":{\"format\":\"pt\",\"epoch\":\"3\"},\"0.weight\":");
    assertThat(header.stripTrailing()).endsWith("}");
    assertThat(header.substring(header.stripTrailing().length())).matches(" *");
    // 6 floats + 2 doubles + 1 long + 0 + 3 longs
    assertThat(bytes.length - 8 - headerLength).isEqualTo(6 * 4 + 2 * 8 + 8 + 3 * 8);
  }

  @Test
  void writesThroughATemporaryFileAndReadsBack(@TempDir Path dir) throws Exception {
    Path path = dir.resolve("model.safetensors");
    Files.writeString(path, "an older file");
    sample().write(path);
    assertThat(Files.list(dir)).containsExactly(path);
    SafetensorsFile f = Safetensors.read(path);
    assertThat(f.source()).isEqualTo(path.toString());
    assertThat(f.longs("labels")).containsExactly(7, -1, 1L << 40);
  }

  @Test
  void readsTheFileWrittenByThePythonGenerator() {
    SafetensorsFile f = Golden.load("safetensors_python");
    assertThat(f.metadata()).containsEntry("writer", "tools/golden/make_golden.py").containsKey("torch");
    assertThat(f.names()).containsExactly("f32", "f64", "i64", "i32", "u8", "bf16", "f16", "scalar", "empty");
    assertThat(f.shape("f32")).containsExactly(2, 3);
    assertThat(f.floats("f32")).containsExactly(-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f);
    assertThat(f.doubles("f64")).containsExactly(0.1, -2.5, 1e300);
    assertThat(f.longs("i64")).containsExactly(-1, 0, 1L << 40, -(1L << 62));
    assertThat(f.shape("i32")).containsExactly(2, 1);
    assertThat(f.longs("i32")).containsExactly(-7, Integer.MAX_VALUE);
    assertThat(f.longs("u8")).containsExactly(0, 1, 255);
    assertThat(f.floats("bf16")).containsExactly(1f, -2f, 0.15625f);
    assertThat(f.floats("f16")).containsExactly(1f, -0.5f, 65504f);
    assertThat(f.doubles("f16")).containsExactly(1.0, -0.5, 65504.0);
    assertThat(f.shape("scalar")).isEmpty();
    assertThat(f.floats("scalar")).containsExactly(3.25f);
    assertThat(f.tensor("scalar").size()).isEqualTo(1);
    assertThat(f.shape("empty")).containsExactly(0, 3);
  }

  @Test
  void aPyTorchStateDictLoadsUnderItsOwnNames() {
    SafetensorsFile f = Golden.load("ref15k_step");
    assertThat(f.names()).startsWith("0.weight", "0.bias", "2.weight", "2.bias", "2.running_mean",
        "2.running_var", "2.num_batches_tracked");
    assertThat(f.dtype("2.num_batches_tracked")).isEqualTo(Dtype.I64);
    assertThat(f.tensor("2.num_batches_tracked").data()).containsExactly(0f);
    assertThat(f.tensor("0.weight").shape()).containsExactly(8, 1, 3, 3);
  }

  @Test
  void accessorsRefuseMissingNamesAndLossyConversions() {
    SafetensorsFile f = Safetensors.read(sample().toBytes(), "sample.safetensors");
    assertThatThrownBy(() -> f.floats("nope"))
        .isInstanceOf(UserError.class)
        .hasMessage("sample.safetensors: no tensor named 'nope' (tensors: 0.weight, lr, 2.num_batches_tracked,"
            + " empty, labels)");
    assertThatThrownBy(() -> f.longs("0.weight"))
        .isInstanceOf(UserError.class)
        .hasMessage("sample.safetensors: tensor '0.weight' is F32, expected integer");
    assertThatThrownBy(() -> f.floats("lr"))
        .hasMessage("sample.safetensors: tensor 'lr' is F64, expected float32 (F32, F16 or BF16)");
    assertThatThrownBy(() -> f.doubles("labels")).hasMessageContaining("is I64, expected floating point");
    assertThatThrownBy(() -> f.tensor("lr")).hasMessageContaining("'lr' is F64");
    assertThatThrownBy(() -> f.tensor("labels"))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("holds 1099511627776, which a float32 tensor cannot hold exactly");
  }

  @Test
  void tensorConvertsSmallIntegerCountersExactly() {
    SafetensorsFile f =
        Safetensors.read(
            Safetensors.writer().putLongs("n", new long[] {0, 938, 1 << 24}, 3).toBytes(), "counters");
    assertThat(f.tensor("n").data()).containsExactly(0f, 938f, 16777216f);
  }

  @Test
  void missingFileIsAUserError(@TempDir Path dir) {
    Path path = dir.resolve("absent.safetensors");
    assertThatThrownBy(() -> Safetensors.read(path))
        .isInstanceOf(UserError.class)
        .hasMessage("cannot read " + path + ": no such file");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Corrupt files: each names the file and the problem.

  /** A file with this header text (unpadded) followed by {@code dataBytes} zero bytes. */
  private static byte[] file(String header, int dataBytes) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(8 + h.length + dataBytes)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putLong(h.length)
        .put(h)
        .array();
  }

  private static byte[] withHeaderLength(long length) {
    byte[] bytes = file("{}", 0);
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
    return bytes;
  }

  private static String t(String name, String dtype, String shape, long begin, long end) {
    return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + ","
        + end + "]}";
  }

  static Stream<Arguments> corruptFiles() {
    return Stream.of(
        Arguments.of("too short", new byte[] {1, 2, 3}, "file is 3 bytes, shorter than the 8-byte header length"),
        Arguments.of("length past end", withHeaderLength(100), "header length 100 does not fit a file of 10 bytes"),
        Arguments.of("length negative", withHeaderLength(-1),
            "header length 18446744073709551615 does not fit a file of 10 bytes"),
        Arguments.of("length zero", withHeaderLength(0), "header length 0 does not fit"),
        Arguments.of("not json", file("{\"a\": nope}", 0), "header is not valid JSON"),
        Arguments.of("trailing json", file("{} {}", 0), "header is not valid JSON"),
        Arguments.of("not an object", file("[1, 2]", 0), "header is not a JSON object"),
        Arguments.of("duplicate name", file("{" + t("a", "F32", "[1]", 0, 4) + "," + t("a", "F32", "[1]", 4, 8)
            + "}", 8), "header is not valid JSON: Duplicate field 'a'"),
        Arguments.of("entry not object", file("{\"a\":3}", 0), "tensor 'a' is not a JSON object"),
        Arguments.of("no offsets", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4), "tensor 'a' has no data_offsets"),
        Arguments.of("unknown dtype", file("{" + t("a", "F8_E4M3", "[1]", 0, 1) + "}", 1),
            "tensor 'a' has unknown dtype \"F8_E4M3\""),
        Arguments.of("negative dim", file("{" + t("a", "F32", "[-1]", 0, 0) + "}", 0),
            "tensor 'a' has an invalid shape [-1]"),
        Arguments.of("fractional dim", file("{" + t("a", "F32", "[1.5]", 0, 0) + "}", 0),
            "tensor 'a' has an invalid shape [1.5]"),
        Arguments.of("offsets not pair", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4),
            "tensor 'a' has invalid data_offsets [0] (expected [begin, end])"),
        Arguments.of("offsets outside", file("{" + t("a", "F32", "[2]", 0, 8) + "}", 4),
            "tensor 'a' has data_offsets [0,8] outside the data area of 4 bytes (truncated file?)"),
        Arguments.of("offsets reversed", file("{" + t("a", "F32", "[0]", 4, 0) + "}", 4),
            "tensor 'a' has data_offsets [4,0] outside"),
        Arguments.of("size mismatch", file("{" + t("a", "F32", "[2,3]", 0, 20) + "}", 20),
            "tensor 'a' is F32 [2, 3], 24 bytes, but data_offsets [0,20] span 20 bytes"),
        Arguments.of("overlap", file("{" + t("a", "F32", "[2]", 0, 8) + "," + t("b", "F32", "[1]", 4, 8) + "}", 8),
            "tensors 'a' and 'b' overlap"),
        Arguments.of("gap", file("{" + t("a", "F32", "[1]", 0, 4) + "," + t("b", "F32", "[1]", 8, 12) + "}", 12),
            "data bytes 4..8 belong to no tensor"),
        Arguments.of("trailing bytes", file("{" + t("a", "F32", "[1]", 0, 4) + "}", 6),
            "data area is 6 bytes but the tensors cover 4 (truncated file or trailing bytes)"),
        Arguments.of("metadata not strings", file("{\"__metadata__\":{\"epoch\":3}}", 0),
            "__metadata__ value for 'epoch' is not a string"),
        Arguments.of("metadata not object", file("{\"__metadata__\":[]}", 0), "__metadata__ is not a JSON object"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corruptFiles")
  void corruptFileIsAUserErrorNamingFileAndProblem(String what, byte[] bytes, String problem) {
    assertThatThrownBy(() -> Safetensors.read(bytes, "bad.safetensors"))
        .isInstanceOf(UserError.class)
        .hasMessageStartingWith("bad.safetensors: ")
        .hasMessageContaining(problem);
  }

  @Test
  void truncatedFileOnDiskNamesThePath(@TempDir Path dir) throws Exception {
    byte[] good = sample().toBytes();
    Path path = dir.resolve("cut.safetensors");
    Files.write(path, java.util.Arrays.copyOf(good, good.length - 3));
    assertThatThrownBy(() -> Safetensors.read(path))
        .isInstanceOf(UserError.class)
        .hasMessageStartingWith(path + ": not a valid safetensors file: tensor 'labels' has data_offsets")
        .hasMessageEndingWith("(truncated file?)");
  }

  @Test
  void writerRefusesDuplicateAndMisShapedTensors() {
    SafetensorsWriter w = Safetensors.writer().putFloats("a", new float[2], 2);
    assertThatThrownBy(() -> w.putFloats("a", new float[2], 2)).hasMessage("tensor 'a' added twice");
    assertThatThrownBy(() -> w.putFloats("b", new float[5], 2, 3))
        .hasMessage("tensor 'b': 5 values do not fit shape [2, 3]");
    assertThatThrownBy(() -> w.putFloats("__metadata__", new float[0], 0)).hasMessageContaining("invalid tensor name");
  }
}
