package dev.backprop.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.backprop.UserError;
import dev.backprop.models.Recipe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Everything needed to reproduce a training run, written as config.json into the run directory. {@code trainImages}
 * counts the images taken from the training file ({@code --limit}), of which {@code valSplit} are held out for
 * validation (0: none).
 */
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
    int valSplit,
    String data,
    boolean canonicalMnist,
    Init init,
    String started,
    String java,
    String status) {

  /**
   * The checkpoint a run started from ({@code train --init}): where it was, its SHA-256 and the architecture it
   * recorded (null for a PyTorch state_dict). Null for a run that started from random weights.
   */
  public record Init(String file, String sha256, String arch) {}

  /** The status of a run that is training now. */
  public static final String RUNNING = "running";
  public static final String COMPLETED = "completed";

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** The same with another status: how the run stands or how it ended. */
  public RunConfig withStatus(String status) {
    return new RunConfig(version, model, arch, recipe, rotationDegrees, translate, minScale, maxScale, seed, threads,
        trainImages, valSplit, data, canonicalMnist, init, started, java, status);
  }

  /** The same run with another seed (one of {@code train --seeds}). */
  public RunConfig withSeed(long seed) {
    return new RunConfig(version, model, arch, recipe, rotationDegrees, translate, minScale, maxScale, seed, threads,
        trainImages, valSplit, data, canonicalMnist, init, started, java, status);
  }

  /** Writes through a temporary file and a rename, so that a kill never leaves a torn config.json. */
  public void write(Path file) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(tmp, JSON.writeValueAsBytes(this));
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Reads a run's config.json; a missing or malformed one is a {@link UserError}. */
  public static RunConfig read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new UserError(file.getParent() + " is not a run directory of backprop train (no config.json)");
    }
    RunConfig config;
    try {
      config = JSON.readValue(file.toFile(), RunConfig.class);
    } catch (JsonProcessingException e) {
      throw new UserError(file + " is not a valid run configuration: " + e.getOriginalMessage().lines().findFirst()
          .orElse(""));
    }
    if (config == null || config.model() == null || config.arch() == null || config.recipe() == null
        || config.data() == null || config.trainImages() < 1) {
      throw new UserError(file + " is not a valid run configuration: it lacks model, arch, recipe, data or "
          + "trainImages (edited by hand?)");
    }
    try {
      config.recipe().validate();
    } catch (UserError e) {
      throw new UserError(file + " holds a recipe that cannot train (edited by hand?): " + e.getMessage());
    }
    return config;
  }
}
