package dev.backprop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backprop.cli.MainTest.Run;
import dev.backprop.data.SyntheticMnist;
import dev.backprop.io.Dtype;
import dev.backprop.io.Safetensors;
import dev.backprop.io.SafetensorsFile;
import dev.backprop.io.SafetensorsWriter;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every row of the catalogue in docs/errors.md through {@link Main#run}, in this JVM, and checks what the
 * catalogue promises: the exit code; stderr is one line, starting "backprop: ", containing the row's message, with
 * no stack trace; and every file that existed before (the fixtures the catalogue's capitalised names stand for, the
 * user's own files among them) is byte for byte the same after. The made-up data is not canonical MNIST, which
 * the loader says in a notice line of its own; that line is left out of the count.
 */
class ErrorCatalogueTest {
  private static final Path CATALOGUE = Path.of("docs", "errors.md");
  private static final Pattern ROW = Pattern.compile(
      "\\| (\\d+) \\| `backprop ([^`]*)` \\| `([^`]*)` \\| (\\d) \\| ([^|]*) \\|");
  private static final Pattern NAME = Pattern.compile("\\$[A-Z_]+");
  private static final String NOTICE = "backprop: .* is not canonical MNIST .*\n";

  @TempDir static Path root;
  static final Map<String, Path> FIXTURES = new HashMap<>();

  record Row(int number, String command, String message, int exit, List<String> tests) {}

  static List<Row> rows() throws IOException {
    List<Row> rows = new ArrayList<>();
    for (String line : Files.readAllLines(CATALOGUE)) {
      Matcher row = ROW.matcher(line);
      if (row.matches()) {
        rows.add(new Row(Integer.parseInt(row.group(1)), row.group(2), row.group(3), Integer.parseInt(row.group(4)),
            List.of(row.group(5).strip().split(",\\s*"))));
      }
    }
    return rows;
  }

  /** At least 30 rows, numbered in order, each naming this test and only tests that exist. */
  @Test
  void theCatalogueHasAtLeastThirtyNumberedRowsAndNamesRealTests() throws IOException {
    List<Row> rows = rows();
    assertThat(rows).hasSizeGreaterThanOrEqualTo(30);
    List<String> testClasses;
    try (Stream<Path> sources = Files.walk(Path.of("src", "test", "java"))) {
      testClasses = sources.map(file -> file.getFileName().toString().replaceFirst("\\.java$", "")).toList();
    }
    for (int i = 0; i < rows.size(); i++) {
      Row row = rows.get(i);
      assertThat(row.number()).as("row numbers").isEqualTo(i + 1);
      assertThat(row.tests()).as("row %d's tests", row.number()).contains("ErrorCatalogueTest");
      assertThat(testClasses).as("row %d's tests", row.number()).containsAll(row.tests());
    }
  }

  @TestFactory
  Stream<DynamicTest> everyRowGetsItsOneLineAndExitCodeAndLosesNothing() throws IOException {
    return rows().stream().map(row -> DynamicTest.dynamicTest("#" + row.number() + " " + row.command(),
        () -> check(row)));
  }

  private static void check(Row row) throws IOException {
    Map<String, Path> names = new HashMap<>(FIXTURES);
    names.put("$NEW", root.resolve("new-" + row.number()));
    String[] args = words(row.command()).stream().map(word -> substitute(word, names)).toArray(String[]::new);
    String message = substitute(row.message(), names);
    Map<Path, String> before = snapshot();

    Run run = MainTest.run(args);

    String err = run.err().replaceAll(NOTICE, "");
    assertThat(run.exitCode()).as("exit code; stderr: %s", run.err()).isEqualTo(row.exit());
    assertThat(err).as("stderr").startsWith("backprop: ").endsWith("\n").hasLineCount(1).contains(message)
        .doesNotContain("internal error").doesNotContain("\tat ").doesNotContain("Exception");
    Map<Path, String> after = snapshot();
    before.forEach((file, hash) -> assertThat(after.get(file)).as("%s after the command", file).isEqualTo(hash));
  }

  /** The command's words: split at spaces, except inside double quotes. */
  static List<String> words(String command) {
    List<String> words = new ArrayList<>();
    Matcher word = Pattern.compile("\"([^\"]*)\"|(\\S+)").matcher(command);
    while (word.find()) {
      words.add(word.group(1) != null ? word.group(1) : word.group(2));
    }
    return words;
  }

  static String substitute(String text, Map<String, Path> names) {
    return NAME.matcher(text).replaceAll(name -> {
      Path path = names.get(name.group());
      assertThat(path).as("fixture %s", name.group()).isNotNull();
      return Matcher.quoteReplacement(path.toString());
    });
  }

  /** SHA-256 of every file under the test's root. */
  static Map<Path, String> snapshot() throws IOException {
    Map<Path, String> hashes = new TreeMap<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        hashes.put(file, sha256(Files.readAllBytes(file)));
      }
    }
    return hashes;
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The fixtures.

  @BeforeAll
  static void prepareFixtures() throws Exception {
    Path data = fixture("$DATA", SyntheticMnist.directory(root.resolve("data"), 96, 30, 1));
    Path run = fixture("$RUN", root.resolve("run"));
    Run train = MainTest.run("train", "--data", data.toString(), "--epochs", "1", "--batch-size", "32", "--out",
        run.toString());
    assertThat(train.exitCode()).as(train.err()).isZero();
    Path checkpoint = fixture("$CKPT", run.resolve("best.safetensors"));

    Path stopped = fixture("$STOPPED", copy(run, "stopped"));
    editConfig(stopped, config -> {
      ((ObjectNode) config.get("recipe")).put("epochs", 2);
      config.put("status", "stopped in epoch 2");
    });
    Path stateEdited = fixture("$STATE_EDITED", copy(stopped, "state-edited"));
    rewrite(stateEdited.resolve("state.safetensors"), stateEdited.resolve("state.safetensors"),
        metadata -> metadata.put("backprop.epoch", "two"), tensors -> { });
    editConfig(fixture("$CONFIG_EDITED", copy(stopped, "config-edited")), config -> config.remove("arch"));

    Path userDir = fixture("$USER_DIR", Files.createDirectories(root.resolve("user-dir")));
    Files.writeString(userDir.resolve("notes.txt"), "my notes");
    fixture("$FILE", Files.writeString(root.resolve("notes.txt"), "not a folder, not a checkpoint"));
    fixture("$EMPTY", Files.createDirectories(root.resolve("empty")));

    byte[] trainImages = gunzip(data.resolve("train-images-idx3-ubyte.gz"));
    byte[] testLabels = gunzip(data.resolve("t10k-labels-idx1-ubyte.gz"));
    dataWith("$CUT_DATA", "train-images-idx3-ubyte", Arrays.copyOf(trainImages, trainImages.length - 100));
    byte[] badLabels = testLabels.clone();
    badLabels[8 + 3] = 12;
    dataWith("$BAD_LABELS", "t10k-labels-idx1-ubyte", badLabels);
    byte[] fewerLabels = Arrays.copyOf(testLabels, testLabels.length - 1);
    ByteBuffer.wrap(fewerLabels).putInt(4, 29);
    dataWith("$COUNTS_DIFFER", "t10k-labels-idx1-ubyte", fewerLabels);
    ByteBuffer small = ByteBuffer.allocate(16 + 30 * 20 * 20).putInt(0x803).putInt(30).putInt(20).putInt(20);
    dataWith("$SMALL_IMAGES", "t10k-images-idx3-ubyte", small.array());
    dataWith("$SWAPPED", "t10k-images-idx3-ubyte", testLabels);

    rewrite(checkpoint, fixture("$NAN_CKPT", root.resolve("nan.safetensors")), metadata -> { },
        tensors -> tensors.get("0.weight")[0] = Float.NaN);
    byte[] whole = Files.readAllBytes(checkpoint);
    Files.write(fixture("$CUT_CKPT", root.resolve("cut.safetensors")), Arrays.copyOf(whole, whole.length / 2));
    try (InputStream torch = ErrorCatalogueTest.class.getResourceAsStream("/golden/ref15k_step_after.safetensors")) {
      Files.write(fixture("$TORCH", root.resolve("pytorch.safetensors")), torch.readAllBytes());
    }

    BufferedImage seven = TrainCommandTest.handDrawnSeven();
    ImageIO.write(seven, "png", fixture("$DIGIT", root.resolve("seven.png")).toFile());
    ImageIO.write(seven, "tiff", fixture("$TIFF", root.resolve("seven.tif")).toFile());
    BufferedImage blank = new BufferedImage(40, 40, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D white = blank.createGraphics();
    white.setColor(Color.WHITE);
    white.fillRect(0, 0, 40, 40);
    white.dispose();
    ImageIO.write(blank, "png", fixture("$BLANK", root.resolve("blank.png")).toFile());
    Files.write(fixture("$HUGE", root.resolve("huge.png")), pngHeader(60_000, 60_000));
    Files.writeString(fixture("$NOT_IMAGE", root.resolve("not-an-image.png")), "<html>not found</html>");
  }

  private static Path fixture(String name, Path path) {
    FIXTURES.put(name, path);
    return path;
  }

  private static Path copy(Path dir, String name) throws IOException {
    Path target = Files.createDirectories(root.resolve(name));
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        Files.copy(file, target.resolve(file.getFileName()));
      }
    }
    return target;
  }

  private static void editConfig(Path run, Consumer<ObjectNode> edit) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode config = (ObjectNode) json.readTree(run.resolve("config.json").toFile());
    edit.accept(config);
    json.writeValue(run.resolve("config.json").toFile(), config);
  }

  /** A copy of {@code dir}'s data set, with one file replaced by raw bytes. */
  private static void dataWith(String name, String file, byte[] raw) throws IOException {
    Path dir = fixture(name, copy(FIXTURES.get("$DATA"), name.substring(1).toLowerCase()));
    Files.delete(dir.resolve(file + ".gz"));
    Files.write(dir.resolve(file), raw);
  }

  private static byte[] gunzip(Path file) throws IOException {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
      return in.readAllBytes();
    }
  }

  /** Writes {@code from}'s tensors and metadata to {@code to}, edited; F32 and I64 tensors only. */
  private static void rewrite(Path from, Path to, Consumer<Map<String, String>> editMetadata,
      Consumer<Map<String, float[]>> editFloats) {
    SafetensorsFile file = Safetensors.read(from);
    Map<String, String> metadata = new java.util.LinkedHashMap<>(file.metadata());
    editMetadata.accept(metadata);
    Map<String, float[]> floats = new HashMap<>();
    for (String name : file.names()) {
      if (file.dtype(name) == Dtype.F32) {
        floats.put(name, file.floats(name));
      }
    }
    editFloats.accept(floats);
    SafetensorsWriter writer = Safetensors.writer();
    metadata.forEach(writer::metadata);
    for (String name : file.names()) {
      if (file.dtype(name) == Dtype.F32) {
        writer.putFloats(name, floats.get(name), file.shape(name));
      } else {
        writer.putLongs(name, file.longs(name), file.shape(name));
      }
    }
    writer.write(to);
  }

  /** A PNG that is a signature, an IHDR for a grey image of width x height, and IEND: no pixels at all. */
  private static byte[] pngHeader(int width, int height) throws IOException {
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    chunk(png, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 0)
        .put((byte) 0).put((byte) 0).put((byte) 0).array());
    chunk(png, "IEND", new byte[0]);
    return png.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream png, String type, byte[] data) throws IOException {
    byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
    CRC32 crc = new CRC32();
    crc.update(typeBytes);
    crc.update(data);
    png.write(ByteBuffer.allocate(4).putInt(data.length).array());
    png.write(typeBytes);
    png.write(data);
    png.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }
}
