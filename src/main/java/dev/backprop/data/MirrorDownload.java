package dev.backprop.data;

import dev.backprop.UserError;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Fetches MNIST files over HTTP from mirrors tried in order, each into a temporary file in the cache, verified
 * against MNIST's SHA-256 before it is kept. A mirror that cannot be reached is not asked for the next file.
 */
final class MirrorDownload {
  private final List<URI> mirrors;
  private final Map<MnistFile, String> expectedSha256;
  private final DownloadProgress progress;
  private final Duration timeout;
  private final Set<URI> unreachable = new HashSet<>();

  MirrorDownload(List<URI> mirrors, Map<MnistFile, String> expectedSha256, DownloadProgress progress,
      Duration timeout) {
    this.mirrors = mirrors;
    this.expectedSha256 = expectedSha256;
    this.progress = progress;
    this.timeout = timeout;
  }

  /** Tries each mirror in turn; returns the verified content moved into the cache, or null (why: in failures). */
  Idx.Content download(MnistFile file, Path cache, List<String> failures) {
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
        return CacheFiles.keep(content, part, cache, file);
      } catch (HttpStatusException e) {
        failures.add(url + ": HTTP " + e.status);
      } catch (UserError e) {
        failures.add(e.getMessage());
      } catch (IOException e) {
        unreachable.add(mirror); // a mirror that cannot be reached will not serve the next file either
        failures.add(url + ": " + CacheFiles.describe(e));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new UserError("interrupted while downloading " + url, e);
      } finally {
        if (part != null) {
          CacheFiles.deleteQuietly(part);
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
        try (OutputStream out = Files.newOutputStream(target);
            DownloadProgress.Task task = progress.start(name, length)) {
          byte[] buffer = new byte[1 << 16];
          for (int n; (n = body.read(buffer)) >= 0; ) {
            out.write(buffer, 0, n);
            task.advance(n);
          }
        }
      }
    }
  }
}
