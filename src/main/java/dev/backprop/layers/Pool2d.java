package dev.backprop.layers;

/**
 * What the k×k pooling layers share: kernel and stride, no padding, floor mode (OH = (H − k) / stride + 1). A
 * window never leaves its plane, so the planes split over the threads as {@link PerPlaneLayer} splits them.
 */
abstract sealed class Pool2d extends PerPlaneLayer permits MaxPool2d, AvgPool2d {
  final int kernel;
  final int stride;

  Pool2d(int kernel, int stride) {
    if (kernel < 1 || stride < 1) {
      throw new IllegalArgumentException(name() + ": kernel and stride must be positive");
    }
    this.kernel = kernel;
    this.stride = stride;
  }

  public int kernel() {
    return kernel;
  }

  public int stride() {
    return stride;
  }

  @Override
  int outputSize(int size) {
    if (size < kernel) {
      throw new IllegalArgumentException(name() + ": input size " + size + " is smaller than the kernel " + kernel);
    }
    return (size - kernel) / stride + 1;
  }
}
