package dev.backprop.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/** How fetched files reach the cache: whole or not at all, under their real name only once complete. */
final class CacheFiles {
  private CacheFiles() {}

  /**
   * Writes verified content into the cache, decompressed (a raw file loads several times faster than a gzipped
   * one, every run), through a temporary file moved into place atomically.
   */
  static Idx.Content keep(Idx.Content content, Path fetched, Path cache, MnistFile file) throws IOException {
    Path target = cache.resolve(file.fileName());
    if (!Idx.isGzip(fetched)) {
      moveIntoPlace(fetched, target); // already raw: no need to write it again
      return content.at(target);
    }
    Path part = Files.createTempFile(cache, file.fileName() + ".", ".part");
    try {
      Idx.write(content, part);
      moveIntoPlace(part, target);
    } finally {
      deleteQuietly(part);
    }
    return content.at(target);
  }

  static void moveIntoPlace(Path source, Path target) throws IOException {
    try {
      Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      // a leftover temporary file is harmless
    }
  }

  static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(CacheFiles::deleteQuietly);
    } catch (IOException | UncheckedIOException e) {
      // a leftover temporary directory is harmless
    }
  }

  /** The first message along the cause chain (the HTTP client's ConnectException has none of its own). */
  static String describe(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.nio.channels.UnresolvedAddressException || t instanceof java.net.UnknownHostException) {
        return "host not found";
      }
      if (t instanceof java.net.http.HttpConnectTimeoutException) {
        return "connection timed out";
      }
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        return t.getMessage();
      }
    }
    return e instanceof java.net.ConnectException ? "cannot connect" : e.getClass().getSimpleName();
  }
}
