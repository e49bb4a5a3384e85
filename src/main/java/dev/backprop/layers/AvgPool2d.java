package dev.backprop.layers;

import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Tensor;
import java.util.Arrays;

/**
 * Average pooling over k×k windows with the given stride, no padding, floor mode: OH = (H − k) / stride + 1.
 * Each output is the window sum / k²; backward spreads dy / k² over the window (adding where windows overlap).
 * Planes (sample, channel) are split over the threads ({@link Parallel}).
 */
public final class AvgPool2d implements Layer {
  private final int kernel;
  private final int stride;

  private Tensor input;
  private Tensor output;
  private Tensor gradInput;
  private Tensor gradOutput; // during backward
  private final Parallel.Body forwardPlanes = this::forwardPlanes;
  private final Parallel.Body backwardPlanes = this::backwardPlanes;

  public AvgPool2d(int kernel, int stride) {
    if (kernel < 1 || stride < 1) {
      throw new IllegalArgumentException("AvgPool2d: kernel and stride must be positive");
    }
    this.kernel = kernel;
    this.stride = stride;
  }

  /** stride = kernel, as torch.nn.AvgPool2d(kernel). */
  public AvgPool2d(int kernel) {
    this(kernel, kernel);
  }

  public int kernel() {
    return kernel;
  }

  public int stride() {
    return stride;
  }

  private int outSize(int size) {
    if (size < kernel) {
      throw new IllegalArgumentException("AvgPool2d: input size " + size + " is smaller than the kernel " + kernel);
    }
    return (size - kernel) / stride + 1;
  }

  @Override
  public int[] outputShape(int[] inputShape) {
    return new int[] {inputShape[0], outSize(inputShape[1]), outSize(inputShape[2])};
  }

  // x [N, C, H, W] -> y [N, C, OH, OW]
  @Override
  public Tensor forward(Tensor x, boolean training) {
    Shapes.requireRank(x, 4, "AvgPool2d");
    int oh = outSize(x.dim(2));
    int ow = outSize(x.dim(3));
    input = x;
    output = Tensor.reuseOrAllocate(output, x.dim(0), x.dim(1), oh, ow);
    Parallel.forRange(x.dim(0) * x.dim(1), Shapes.grain(x.dim(2) * x.dim(3)), forwardPlanes);
    return output;
  }

  // Planes [from, to) of the forward pass.
  private void forwardPlanes(int chunk, int from, int to, int worker) {
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

  // dy [N, C, OH, OW] -> dx [N, C, H, W]
  @Override
  public Tensor backward(Tensor gradOutput) {
    Shapes.requireGradient(gradOutput, output, "AvgPool2d");
    gradInput = Shapes.like(gradInput, input);
    this.gradOutput = gradOutput;
    try {
      Parallel.forRange(input.dim(0) * input.dim(1), Shapes.grain(input.dim(2) * input.dim(3)), backwardPlanes);
    } finally {
      this.gradOutput = null;
    }
    return gradInput;
  }

  // Planes [from, to) of the backward pass.
  private void backwardPlanes(int chunk, int from, int to, int worker) {
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
