package dev.backprop.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.backprop.models.Recipe;
import java.io.IOException;
import java.nio.file.Path;

/** Everything needed to reproduce a training run, written as config.json into the run directory. */
public record RunConfig(
    String version,
    String model,
    String arch,
    Recipe recipe,
    double rotationDegrees,
    double translate,
    double minScale,
    double maxScale,
    long seed,
    int threads,
    int trainImages,
    String data,
    boolean canonicalMnist,
    String started,
    String java) {

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public void write(Path file) throws IOException {
    JSON.writeValue(file.toFile(), this);
  }

  public static RunConfig read(Path file) throws IOException {
    return JSON.readValue(file.toFile(), RunConfig.class);
  }
}
