package dev.backprop.data;

import dev.backprop.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Finds the four MNIST files in a directory and reads them, the big training images on a second thread. */
final class MnistReader {
  private MnistReader() {}

  /** The raw file if present, else the gzipped one, else null. */
  static Path find(Path dir, MnistFile file) {
    for (String name : List.of(file.fileName(), file.gzName())) {
      Path path = dir.resolve(name);
      if (Files.isRegularFile(path)) {
        return path;
      }
    }
    return null;
  }

  /** Reads the files; throws the first error. */
  static Map<MnistFile, Idx.Content> readAll(Map<MnistFile, Path> files) {
    Map<MnistFile, Idx.Content> loaded = new EnumMap<>(MnistFile.class);
    for (Map.Entry<MnistFile, Object> entry : readEach(files).entrySet()) {
      if (entry.getValue() instanceof UserError error) {
        throw error;
      }
      loaded.put(entry.getKey(), (Idx.Content) entry.getValue());
    }
    return loaded;
  }

  /** Like {@link #readAll}, but each file's outcome is its {@link Idx.Content} or its {@link UserError}. */
  static Map<MnistFile, Object> readEach(Map<MnistFile, Path> files) {
    Map<MnistFile, Object> outcomes = new EnumMap<>(MnistFile.class);
    try (ExecutorService pool = Executors.newSingleThreadExecutor(MnistReader::daemon)) {
      Future<Object> trainImages = files.containsKey(MnistFile.TRAIN_IMAGES)
          ? pool.submit(() -> readOne(MnistFile.TRAIN_IMAGES, files.get(MnistFile.TRAIN_IMAGES)))
          : null;
      for (Map.Entry<MnistFile, Path> entry : files.entrySet()) {
        if (entry.getKey() != MnistFile.TRAIN_IMAGES) {
          outcomes.put(entry.getKey(), readOne(entry.getKey(), entry.getValue()));
        }
      }
      if (trainImages != null) {
        outcomes.put(MnistFile.TRAIN_IMAGES, await(trainImages));
      }
    }
    return outcomes;
  }

  private static Object readOne(MnistFile file, Path path) {
    try {
      return file.read(path, path.toString());
    } catch (UserError e) {
      return e;
    }
  }

  private static Thread daemon(Runnable runnable) {
    Thread thread = new Thread(runnable, "backprop-mnist-read");
    thread.setDaemon(true);
    return thread;
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserError("interrupted while reading MNIST", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException(e.getCause());
    }
  }
}
