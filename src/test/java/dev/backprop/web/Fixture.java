package dev.backprop.web;

import dev.backprop.data.DigitImages;
import dev.backprop.layers.Sequential;
import dev.backprop.models.ArchSpec;
import dev.backprop.tensor.Rng;
import dev.backprop.train.Checkpoint;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The web tests' model and pictures. The model is ref15k trained for 5 epochs on MNIST (99.46 % test accuracy;
 * src/test/resources/web/README.md says how), so that a drawn digit gets a meaningful answer.
 */
final class Fixture {
  private Fixture() {}

  static Path checkpoint() {
    try {
      return Path.of(Fixture.class.getResource("/web/ref15k-5epochs.safetensors").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static Sequential model() {
    Path checkpoint = checkpoint();
    Sequential model = ArchSpec.build(Checkpoint.metadata(checkpoint).get(Checkpoint.ARCH), new Rng(0));
    Checkpoint.load(checkpoint, model);
    return model;
  }

  static List<Sequential> models(int count) {
    List<Sequential> models = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      models.add(model());
    }
    return models;
  }

  /** A "7" in black ink on white, 200 × 200: a bar and a diagonal, as a person draws it. */
  static BufferedImage seven() {
    return drawing(new int[] {50, 45, 150, 45}, new int[] {150, 45, 85, 170});
  }

  /** A plus sign, which the model reads as a 4 without conviction (p ≈ 0.8). */
  static BufferedImage plus() {
    return drawing(new int[] {100, 30, 100, 170}, new int[] {60, 100, 140, 100});
  }

  /** A white page: nothing drawn. */
  static BufferedImage blank() {
    return drawing();
  }

  /** Strokes {x1, y1, x2, y2} 16 pixels wide in black on a white 200 × 200 image. */
  private static BufferedImage drawing(int[]... strokes) {
    BufferedImage image = new BufferedImage(200, 200, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, 200, 200);
    g.setColor(Color.BLACK);
    g.setStroke(new BasicStroke(16, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
    for (int[] stroke : strokes) {
      g.drawLine(stroke[0], stroke[1], stroke[2], stroke[3]);
    }
    g.dispose();
    return image;
  }

  /** The 28×28 input predict makes of {@code image}, in 0..1. */
  static float[] input(BufferedImage image) {
    byte[] prepared = DigitImages.read(encode(image, "png"), "a test image", 1_000_000);
    float[] input = new float[prepared.length];
    for (int i = 0; i < prepared.length; i++) {
      input[i] = Byte.toUnsignedInt(prepared[i]) / 255f;
    }
    return input;
  }

  static byte[] encode(BufferedImage image, String format) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, format, bytes)) {
        throw new IllegalStateException("no writer for " + format);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
