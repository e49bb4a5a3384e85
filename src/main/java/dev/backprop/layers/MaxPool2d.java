package dev.backprop.layers;

import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Tensor;
import java.util.Arrays;

/**
 * Max pooling over k×k windows with the given stride, no padding, floor mode: OH = (H − k) / stride + 1. The
 * window's gradient goes to the first maximum in row-major order (as PyTorch's CPU kernel, which also lets a NaN
 * win, so NaN propagates). Windows may overlap (stride < k); gradients then add. Planes (sample, channel) are
 * split over the threads ({@link Parallel}); a window never leaves its plane, so the chunks write apart.
 */
public final class MaxPool2d implements Layer {
  private final int kernel;
  private final int stride;

  private int[] argmax; // [N·C·OH·OW]: flat input index of each window's maximum
  private Tensor input;
  private Tensor output;
  private Tensor gradInput;
  private Tensor gradOutput; // during backward
  private final Parallel.Body forwardPlanes = this::forwardPlanes;
  private final Parallel.Body backwardPlanes = this::backwardPlanes;

  public MaxPool2d(int kernel, int stride) {
    if (kernel < 1 || stride < 1) {
      throw new IllegalArgumentException("MaxPool2d: kernel and stride must be positive");
    }
    this.kernel = kernel;
    this.stride = stride;
  }

  /** stride = kernel, as torch.nn.MaxPool2d(kernel). */
  public MaxPool2d(int kernel) {
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
      throw new IllegalArgumentException("MaxPool2d: input size " + size + " is smaller than the kernel " + kernel);
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
    Shapes.requireRank(x, 4, "MaxPool2d");
    int oh = outSize(x.dim(2));
    int ow = outSize(x.dim(3));
    input = x;
    output = Tensor.reuseOrAllocate(output, x.dim(0), x.dim(1), oh, ow);
    if (argmax == null || argmax.length != output.size()) {
      argmax = new int[output.size()];
    }
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

  // dy [N, C, OH, OW] -> dx [N, C, H, W]: each dy goes to its window's argmax
  @Override
  public Tensor backward(Tensor gradOutput) {
    Shapes.requireGradient(gradOutput, output, "MaxPool2d");
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
