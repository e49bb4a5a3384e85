package dev.backprop.layers;

import dev.backprop.tensor.Parallel;
import java.util.Arrays;

/**
 * Average pooling over k×k windows with the given stride, no padding, floor mode: OH = (H − k) / stride + 1.
 * Each output is the window sum / k²; backward spreads dy / k² over the window (adding where windows overlap).
 * Planes (sample, channel) are split over the threads ({@link Parallel}).
 */
public final class AvgPool2d extends Pool2d {
  public AvgPool2d(int kernel, int stride) {
    super(kernel, stride);
  }

  /** stride = kernel, as torch.nn.AvgPool2d(kernel). */
  public AvgPool2d(int kernel) {
    this(kernel, kernel);
  }

  // Planes [from, to) of the forward pass: x [N, C, H, W] -> y [N, C, OH, OW], each the window sum / k²
  @Override
  void forwardPlanes(int chunk, int from, int to, int worker) {
    int h = input.dim(2);
    int w = input.dim(3);
    int oh = output.dim(2);
    int ow = output.dim(3);
    float[] in = input.data();
    float[] y = output.data();
    float inv = 1f / (kernel * kernel);
    int o = from * oh * ow;
    for (int p = from; p < to; p++) {
      int plane = p * h * w;
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          float sum = 0f;
          for (int ki = 0; ki < kernel; ki++) {
            int row = plane + (i * stride + ki) * w + j * stride;
            for (int kj = 0; kj < kernel; kj++) {
              sum += in[row + kj];
            }
          }
          y[o++] = sum * inv;
        }
      }
    }
  }

  // Planes [from, to) of the backward pass: dy [N, C, OH, OW] -> dx [N, C, H, W], dy / k² over each window
  @Override
  void backwardPlanes(int chunk, int from, int to, int worker) {
    int h = input.dim(2);
    int w = input.dim(3);
    int oh = output.dim(2);
    int ow = output.dim(3);
    float[] dy = gradOutput.data();
    float[] dx = gradInput.data();
    float inv = 1f / (kernel * kernel);
    Arrays.fill(dx, from * h * w, to * h * w, 0f);
    int o = from * oh * ow;
    for (int p = from; p < to; p++) {
      int plane = p * h * w;
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          float g = dy[o++] * inv;
          for (int ki = 0; ki < kernel; ki++) {
            int row = plane + (i * stride + ki) * w + j * stride;
            for (int kj = 0; kj < kernel; kj++) {
              dx[row + kj] += g;
            }
          }
        }
      }
    }
  }

  @Override
  public String toString() {
    return "AvgPool2d(kernel_size=%d, stride=%d, padding=0)".formatted(kernel, stride);
  }
}
