package dev.backprop.tensor;

import java.util.Arrays;

/**
 * Plain-Java {@link KernelSet}: the loops as the definitions in {@link Kernels} read. The fallback when the
 * Vector API is not usable, and the second opinion the vector kernel is compared with in the tests. Sums keep
 * their 16 lane sums (see {@link KernelSet}) in a per-thread array.
 */
final class ScalarKernels implements KernelSet {

  static final ScalarKernels INSTANCE = new ScalarKernels();

  private ScalarKernels() {}

  @Override
  public void relu(float[] x, float[] y, int from, int to) {
    for (int i = from; i < to; i++) {
      y[i] = x[i] > 0f ? x[i] : 0f;
    }
  }

  @Override
  public void reluBackward(float[] dy, float[] y, float[] dx, int from, int to) {
    for (int i = from; i < to; i++) {
      dx[i] = y[i] > 0f ? dy[i] : 0f;
    }
  }

  @Override
  public void keepMask(long key, double p, float[] mask, int offset, int count) {
    for (int u = 0; u < count; u++) {
      mask[offset + u] = Rng.doubleAt(key, u) >= p ? 1f : 0f;
    }
  }

  @Override
  public void multiply(float[] x, float[] m, float scale, float[] y, int from, int to) {
    for (int i = from; i < to; i++) {
      y[i] = x[i] * (m[i] * scale);
    }
  }

  @Override
  public void channelsLast(float[] x, int xOffset, int planes, int planeStride, int height, int width, int pitch,
      float[] t, int tOffset, int rowLength, int rows) {
    int row = 0; // the next row of t to write
    for (int h = 0; h < height; h++) {
      for (int w = 0; w < width; w++, row++) {
        int at = tOffset + row * rowLength;
        for (int c = 0; c < planes; c++) {
          t[at + c] = x[xOffset + c * planeStride + h * width + w];
        }
        Arrays.fill(t, at + planes, at + rowLength, 0f);
      }
      int next = h < height - 1 ? row + pitch - width : rows;
      Arrays.fill(t, tOffset + row * rowLength, tOffset + next * rowLength, 0f);
      row = next;
    }
  }

  @Override
  public void poolLanes(boolean max, float[] x, float[] y, int planes, int h, int w, int kernel, int stride,
      int lanes) {
    int oh = (h - kernel) / stride + 1;
    int ow = (w - kernel) / stride + 1;
    float inv = 1f / (kernel * kernel);
    for (int p = 0; p < planes; p++) {
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          int to = ((p * oh + i) * ow + j) * lanes;
          int first = ((p * h + i * stride) * w + j * stride) * lanes;
          for (int l = 0; l < lanes; l++) {
            float acc = max ? x[first + l] : 0f;
            for (int ki = 0; ki < kernel; ki++) {
              for (int kj = 0; kj < kernel; kj++) {
                float v = x[((p * h + i * stride + ki) * w + j * stride + kj) * lanes + l];
                acc = max ? (v > acc || Float.isNaN(v) ? v : acc) : acc + v;
              }
            }
            y[to + l] = max ? acc : acc * inv;
          }
        }
      }
    }
  }

  @Override
  public void outputStage(float[] y, int from, int to, boolean addBias, float bias, boolean relu,
      boolean normalize, float mean, float rstd, float gamma, float beta) {
    for (int i = from; i < to; i++) {
      float v = addBias ? y[i] + bias : y[i];
      if (relu) {
        v = v > 0f ? v : 0f;
      }
      y[i] = normalize ? gamma * ((v - mean) * rstd) + beta : v;
    }
  }

  @Override
  public void addShifted(float[] x, int xOffset, float[] y, int yOffset, int count) {
    for (int u = 0; u < count; u++) {
      y[yOffset + u] += x[xOffset + u];
    }
  }

  @Override
  public void multiplyAddShifted(float w, float[] x, int xOffset, float[] y, int yOffset, int count) {
    for (int u = 0; u < count; u++) {
      y[yOffset + u] = Math.fma(w, x[xOffset + u], y[yOffset + u]);
    }
  }

  @Override
  public void scale(float[] x, float factor, float[] y, int from, int to) {
    for (int i = from; i < to; i++) {
      y[i] = x[i] * factor;
    }
  }

  @Override
  public void add(float[] x, float value, float[] y, int from, int to) {
    for (int i = from; i < to; i++) {
      y[i] = x[i] + value;
    }
  }

  @Override
  public double sum(float[] x, int offset, int rows, int stride, int length) {
    double[] lanes = LaneScratch.zeroed();
    double tail = 0;
    int whole = length - length % LANES;
    for (int r = 0; r < rows; r++) {
      int row = offset + r * stride;
      for (int i = 0; i < whole; i++) {
        lanes[i % LANES] += x[row + i];
      }
      for (int i = whole; i < length; i++) {
        tail += x[row + i];
      }
    }
    return KernelSet.foldLanes(lanes, 0) + tail;
  }

  @Override
  public double sumSquaredDeviations(float[] x, double mean, int offset, int rows, int stride, int length) {
    double[] lanes = LaneScratch.zeroed();
    double tail = 0;
    int whole = length - length % LANES;
    for (int r = 0; r < rows; r++) {
      int row = offset + r * stride;
      for (int i = 0; i < whole; i++) {
        double d = x[row + i] - mean;
        lanes[i % LANES] = Math.fma(d, d, lanes[i % LANES]);
      }
      for (int i = whole; i < length; i++) {
        double d = x[row + i] - mean;
        tail = Math.fma(d, d, tail);
      }
    }
    return KernelSet.foldLanes(lanes, 0) + tail;
  }

  @Override
  public void batchNorm(float[] x, float mean, float rstd, float gamma, float beta, float[] y, int offset,
      int rows, int stride, int length) {
    for (int r = 0; r < rows; r++) {
      for (int i = offset + r * stride, end = i + length; i < end; i++) {
        y[i] = gamma * ((x[i] - mean) * rstd) + beta;
      }
    }
  }

  @Override
  public void batchNormSums(float[] dy, float[] x, float mean, float rstd, int offset, int rows, int stride,
      int length, double[] sums, int at) {
    double[] lanes = LaneScratch.zeroed(); // Σ dy in 0..15, Σ dy·x̂ in 16..31
    double dyTail = 0;
    double productTail = 0;
    int whole = length - length % LANES;
    for (int r = 0; r < rows; r++) {
      int row = offset + r * stride;
      for (int i = 0; i < whole; i++) {
        lanes[i % LANES] += dy[row + i];
        lanes[LANES + i % LANES] += dy[row + i] * ((x[row + i] - mean) * rstd);
      }
      for (int i = whole; i < length; i++) {
        dyTail += dy[row + i];
        productTail += dy[row + i] * ((x[row + i] - mean) * rstd);
      }
    }
    sums[at] = KernelSet.foldLanes(lanes, 0) + dyTail;
    sums[at + 1] = KernelSet.foldLanes(lanes, LANES) + productTail;
  }

  @Override
  public void batchNormBackward(float[] dy, float[] x, float mean, float rstd, float scale, float meanDy,
      float meanDyXhat, boolean rectified, float[] dx, int offset, int rows, int stride, int length) {
    for (int r = 0; r < rows; r++) {
      for (int i = offset + r * stride, end = i + length; i < end; i++) {
        float xhat = (x[i] - mean) * rstd;
        float d = scale * (dy[i] - meanDy - xhat * meanDyXhat);
        dx[i] = rectified && !(x[i] > 0) ? 0f : d;
      }
    }
  }

  @Override
  public void maxPool2x2(float[] x, float[] y, byte[] window, int from, int to, int h, int w) {
    int oh = h / 2;
    int ow = w / 2;
    for (int p = from; p < to; p++) {
      for (int i = 0; i < oh; i++) {
        int o = (p * oh + i) * ow;
        int top = (p * h + 2 * i) * w;
        int bottom = top + w;
        for (int j = 0; j < ow; j++) {
          // The window's positions in row-major order; each replaces the maximum if greater or NaN.
          int t = top + 2 * j;
          int b = bottom + 2 * j;
          float max = x[t];
          byte code = 0;
          float v = x[t + 1];
          if (v > max || Float.isNaN(v)) {
            max = v;
            code = 1;
          }
          v = x[b];
          if (v > max || Float.isNaN(v)) {
            max = v;
            code = 2;
          }
          v = x[b + 1];
          if (v > max || Float.isNaN(v)) {
            max = v;
            code = 3;
          }
          y[o + j] = max;
          window[o + j] = code;
        }
      }
    }
  }

  @Override
  public void maxPool2x2Backward(float[] dy, byte[] window, float[] dx, int from, int to, int h, int w) {
    int oh = h / 2;
    int ow = w / 2;
    for (int p = from; p < to; p++) {
      for (int i = 0; i < oh; i++) {
        int o = (p * oh + i) * ow;
        int top = (p * h + 2 * i) * w;
        for (int j = 0; j < ow; j++) {
          int t = top + 2 * j;
          dx[t] = 0f;
          dx[t + 1] = 0f;
          dx[t + w] = 0f;
          dx[t + w + 1] = 0f;
          // Indexed rather than four selections: a branch per position would be mispredicted often.
          int code = window[o + j];
          dx[t + (code >> 1) * w + (code & 1)] = dy[o + j];
        }
      }
      zeroUnpooled(dx, p, h, w);
    }
  }

  /** Zeros what no window of plane p covers: the last column when w is odd, the last row when h is odd. */
  static void zeroUnpooled(float[] dx, int p, int h, int w) {
    int plane = p * h * w;
    if (w % 2 != 0) {
      for (int i = 0; i < h - h % 2; i++) {
        dx[plane + i * w + w - 1] = 0f;
      }
    }
    if (h % 2 != 0) {
      Arrays.fill(dx, plane + (h - 1) * w, plane + h * w, 0f);
    }
  }
}
