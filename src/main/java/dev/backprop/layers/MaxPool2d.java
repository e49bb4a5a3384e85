package dev.backprop.layers;

import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Kernels;
import java.util.Arrays;

/**
 * Max pooling over k×k windows with the given stride, no padding, floor mode: OH = (H − k) / stride + 1. The
 * window's gradient goes to the first maximum in row-major order (as PyTorch's CPU kernel, which also lets a NaN
 * win, so NaN propagates). Windows may overlap (stride < k); gradients then add. Planes (sample, channel) are
 * split over the threads ({@link Parallel}); a window never leaves its plane, so the chunks write apart.
 *
 * <p>The usual 2x2 windows at stride 2 run a vectorized kernel with the same rule ({@link Kernels#maxPool2x2})
 * that keeps the position of each maximum in its window as one byte.
 */
public final class MaxPool2d extends Pool2d {
  private final boolean twoByTwo; // kernel 2, stride 2
  private int[] argmax; // [N·C·OH·OW], other windows: flat input index of each window's maximum
  private byte[] window; // [N·C·OH·OW], 2x2 windows: position of each maximum in its window, 0..3 row-major

  public MaxPool2d(int kernel, int stride) {
    super(kernel, stride);
    this.twoByTwo = kernel == 2 && stride == 2;
  }

  /** stride = kernel, as torch.nn.MaxPool2d(kernel). */
  public MaxPool2d(int kernel) {
    this(kernel, kernel);
  }

  @Override
  void prepareForward() {
    if (twoByTwo) {
      if (window == null || window.length < output.size()) {
        window = new byte[output.size()];
      }
    } else if (argmax == null || argmax.length < output.size()) {
      argmax = new int[output.size()];
    }
  }

  // Planes [from, to) of the forward pass: x [N, C, H, W] -> y [N, C, OH, OW], argmax or window [N·C·OH·OW]
  @Override
  void forwardPlanes(int chunk, int from, int to, int worker) {
    if (twoByTwo) {
      Kernels.maxPool2x2(input.data(), output.data(), window, from, to, input.dim(2), input.dim(3));
      return;
    }
    int h = input.dim(2);
    int w = input.dim(3);
    int oh = output.dim(2);
    int ow = output.dim(3);
    float[] in = input.data();
    float[] y = output.data();
    int o = from * oh * ow;
    for (int p = from; p < to; p++) {
      int plane = p * h * w;
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          int best = plane + i * stride * w + j * stride;
          float max = in[best];
          for (int ki = 0; ki < kernel; ki++) {
            int row = plane + (i * stride + ki) * w + j * stride;
            for (int kj = 0; kj < kernel; kj++) {
              float v = in[row + kj];
              if (v > max || Float.isNaN(v)) {
                max = v;
                best = row + kj;
              }
            }
          }
          y[o] = max;
          argmax[o++] = best;
        }
      }
    }
  }

  // Planes [from, to) of the backward pass: dy [N, C, OH, OW] -> dx [N, C, H, W], each dy to its window's argmax
  @Override
  void backwardPlanes(int chunk, int from, int to, int worker) {
    if (twoByTwo) {
      Kernels.maxPool2x2Backward(gradOutput.data(), window, gradInput.data(), from, to, input.dim(2),
          input.dim(3));
      return;
    }
    int hw = input.dim(2) * input.dim(3);
    int ohw = output.dim(2) * output.dim(3);
    float[] dy = gradOutput.data();
    float[] dx = gradInput.data();
    Arrays.fill(dx, from * hw, to * hw, 0f);
    for (int o = from * ohw, end = to * ohw; o < end; o++) {
      dx[argmax[o]] += dy[o];
    }
  }

  @Override
  public String toString() {
    return "MaxPool2d(kernel_size=%d, stride=%d, padding=0, dilation=1, ceil_mode=False)".formatted(kernel, stride);
  }
}
