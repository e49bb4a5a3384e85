package dev.backprop.data;

/**
 * How a long fetch reports progress: the data package never prints, the CLI shows these as progress bars.
 * {@link #NONE} shows nothing.
 */
@FunctionalInterface
public interface DownloadProgress {
  /** Reports nothing. */
  DownloadProgress NONE = (name, bytes) -> Task.NONE;

  /** A fetch of {@code bytes} bytes (−1 when unknown) named {@code name} starts. */
  Task start(String name, long bytes);

  /** One fetch under way; closed when it ends, however it ends. */
  interface Task extends AutoCloseable {
    Task NONE = new Task() {
      @Override
      public void advance(long bytes) {}

      @Override
      public void close() {}
    };

    void advance(long bytes);

    @Override
    void close();
  }
}
