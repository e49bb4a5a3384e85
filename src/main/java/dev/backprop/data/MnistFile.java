package dev.backprop.data;

/**
 * The four MNIST files, by their canonical names, with the SHA-256 of their decompressed content. Mirrors recompress
 * the {@code .gz} wrappers, so the content is what is verified, never the wrapper.
 */
public enum MnistFile {
  TRAIN_IMAGES("train-images-idx3-ubyte", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
  TRAIN_LABELS("train-labels-idx1-ubyte", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
  TEST_IMAGES("t10k-images-idx3-ubyte", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
  TEST_LABELS("t10k-labels-idx1-ubyte", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2");

  private final String fileName;
  private final String sha256;

  MnistFile(String fileName, String sha256) {
    this.fileName = fileName;
    this.sha256 = sha256;
  }

  /** The raw file's name, e.g. {@code train-images-idx3-ubyte}. */
  public String fileName() {
    return fileName;
  }

  /** The gzipped file's name, e.g. {@code train-images-idx3-ubyte.gz}: what the mirrors serve. */
  public String gzName() {
    return fileName + ".gz";
  }

  /** SHA-256 (lower-case hex) of the canonical decompressed content. */
  public String sha256() {
    return sha256;
  }

  public boolean holdsImages() {
    return this == TRAIN_IMAGES || this == TEST_IMAGES;
  }

  /** Reads and validates this file (raw or gzipped), calling it {@code name} in error messages. */
  Idx.Content read(java.nio.file.Path file, String name) {
    return holdsImages() ? Idx.readImages(file, name) : Idx.readLabels(file, name);
  }
}
