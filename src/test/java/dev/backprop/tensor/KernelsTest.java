package dev.backprop.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Both kernels against the definitions in {@link Kernels}, written out here as plain loops: bit for bit for
 * everything but the sums, and the sums within the bound of a double sum in any order.
 */
class KernelsTest {

  private static final float OUTSIDE = 12345.5f;
  private static final float[] SPECIAL = {
    Float.NaN, -0f, 0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE,
    Float.MAX_VALUE, 1f, -1f, Float.intBitsToFloat(0xffc00000) // a NaN with the sign bit set
  };

  /** Gaussian values with a special value (NaN, ±0, ±∞, ...) at about one element in eight. */
  static float[] values(SplittableRandom random, int size) {
    float[] x = new float[size];
    for (int i = 0; i < size; i++) {
      x[i] = random.nextInt(8) == 0 ? SPECIAL[random.nextInt(SPECIAL.length)] : (float) gaussian(random);
    }
    return x;
  }

  static double gaussian(SplittableRandom random) {
    return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
  }

  static float[] outside(int size) {
    float[] y = new float[size];
    Arrays.fill(y, OUTSIDE);
    return y;
  }

  @ParameterizedTest
  @MethodSource("dev.backprop.tensor.Providers#both")
  void reluAndItsGradientAreAsDefined(VectorizationProvider provider) {
    KernelSet k = provider.kernels();
    SplittableRandom random = new SplittableRandom(1);
    for (int trial = 0; trial < 200; trial++) {
      int size = trial < 150 ? random.nextInt(60) : 1000 + random.nextInt(100);
      int from = random.nextInt(size / 4 + 1);
      int to = size - random.nextInt(size / 4 + 1);
      float[] x = values(random, size);
      float[] dy = values(random, size);
      float[] y = outside(size);
      float[] dx = outside(size);
      float[] wantY = outside(size);
      float[] wantDx = outside(size);
      for (int i = from; i < to; i++) {
        wantY[i] = x[i] > 0f ? x[i] : 0f;
        wantDx[i] = x[i] > 0f ? dy[i] : 0f; // y > 0 exactly where x > 0
      }
      k.relu(x, y, from, to);
      k.reluBackward(dy, y, dx, from, to);
      assertThat(y).as("relu, %d elements [%d, %d)", size, from, to).isEqualTo(wantY);
      assertThat(dx).as("relu backward, %d elements [%d, %d)", size, from, to).isEqualTo(wantDx);
    }
  }

  @ParameterizedTest
  @MethodSource("dev.backprop.tensor.Providers#both")
  void keepMaskIsTheRngDefinition(VectorizationProvider provider) {
    KernelSet k = provider.kernels();
    SplittableRandom random = new SplittableRandom(2);
    for (int trial = 0; trial < 100; trial++) {
      long key = random.nextLong();
      int count = trial < 80 ? random.nextInt(40) : 1000 + random.nextInt(100);
      int offset = random.nextInt(5);
      double p = switch (trial % 6) {
        case 0 -> 0.05;
        case 1 -> random.nextDouble();
        case 2 -> 1.0;
        case 3 -> Double.MIN_VALUE;
        // exactly one of the draws, and the next double up or down from it: the >= boundary
        case 4 -> count == 0 ? 0.5 : Rng.doubleAt(key, random.nextInt(count));
        default -> count == 0 ? 0.5 : Math.nextUp(Rng.doubleAt(key, random.nextInt(count)));
      };
      float[] mask = outside(offset + count + 3);
      float[] want = outside(mask.length);
      for (int u = 0; u < count; u++) {
        want[offset + u] = Rng.doubleAt(key, u) >= p ? 1f : 0f;
      }
      k.keepMask(key, p, mask, offset, count);
      assertThat(mask).as("key %d, p %s, %d units", key, p, count).isEqualTo(want);
    }
  }

  @ParameterizedTest
  @MethodSource("dev.backprop.tensor.Providers#both")
  void multiplyScaleAndAddAreAsDefined(VectorizationProvider provider) {
    KernelSet k = provider.kernels();
    SplittableRandom random = new SplittableRandom(3);
    for (int trial = 0; trial < 100; trial++) {
      int size = random.nextInt(70);
      int from = random.nextInt(size / 4 + 1);
      int to = size - random.nextInt(size / 4 + 1);
      float[] x = values(random, size);
      float[] m = new float[size];
      for (int i = 0; i < size; i++) {
        m[i] = random.nextInt(10) == 0 ? 0f : 1f;
      }
      float scale = (float) (1 / (1 - random.nextDouble()));
      float[] y = outside(size);
      float[] z = outside(size);
      float[] wantY = outside(size);
      float[] wantZ = outside(size);
      float shift = (float) gaussian(random);
      float[] sum = outside(size);
      float[] wantSum = outside(size);
      for (int i = from; i < to; i++) {
        wantY[i] = x[i] * (m[i] * scale);
        wantZ[i] = x[i] * scale;
        wantSum[i] = x[i] + shift;
      }
      k.multiply(x, m, scale, y, from, to);
      k.scale(x, scale, z, from, to);
      k.add(x, shift, sum, from, to);
      assertThat(y).isEqualTo(wantY);
      assertThat(z).isEqualTo(wantZ);
      assertThat(sum).isEqualTo(wantSum);
    }
  }

  @ParameterizedTest
  @MethodSource("dev.backprop.tensor.Providers#both")
  void addShiftedAddsOneRangeIntoAnother(VectorizationProvider provider) {
    KernelSet k = provider.kernels();
    SplittableRandom random = new SplittableRandom(4);
    for (int trial = 0; trial < 100; trial++) {
      int count = random.nextInt(70);
      int xOffset = random.nextInt(9);
      int yOffset = random.nextInt(9);
      float[] x = values(random, xOffset + count + 2);
      float[] y = values(random, yOffset + count + 2);
      float[] want = y.clone();
      for (int u = 0; u < count; u++) {
        want[yOffset + u] += x[xOffset + u];
      }
      k.addShifted(x, xOffset, y, yOffset, count);
      assertThat(y).as("%d elements from %d into %d", count, xOffset, yOffset).isEqualTo(want);
    }
  }

  @ParameterizedTest
  @MethodSource("dev.backprop.tensor.Providers#both")
  void multiplyAddShiftedIsOneFmaPerElement(VectorizationProvider provider) {
    KernelSet k = provider.kernels();
    SplittableRandom random = new SplittableRandom(5);
    for (int trial = 0; trial < 100; trial++) {
      int count = random.nextInt(70);
      int xOffset = random.nextInt(9);
      int yOffset = random.nextInt(9);
      float w = values(random, 1)[0];
      float[] x = values(random, xOffset + count + 2);
      float[] y = values(random, yOffset + count + 2);
      float[] want = y.clone();
      for (int u = 0; u < count; u++) {
        want[yOffset + u] = Math.fma(w, x[xOffset + u], want[yOffset + u]);
      }
      k.multiplyAddShifted(w, x, xOffset, y, yOffset, count);
      assertThat(y).as("%d elements from %d into %d, w = %s", count, xOffset, yOffset, w).isEqualTo(want);
    }
  }

  @ParameterizedTest
  @MethodSource("dev.backprop.tensor.Providers#both")
  void outputStageIsAddThenReluThenBatchNorm(VectorizationProvider provider) {
    KernelSet k = provider.kernels();
    SplittableRandom random = new SplittableRandom(8);
    for (int trial = 0; trial < 160; trial++) {
      int size = trial < 120 ? random.nextInt(60) : 500 + random.nextInt(100);
      int from = random.nextInt(size / 4 + 1);
      int to = size - random.nextInt(size / 4 + 1);
      boolean addBias = trial % 2 == 0;
      boolean relu = (trial / 2) % 2 == 0;
      boolean normalize = (trial / 4) % 2 == 0;
      float bias = (float) gaussian(random);
      float mean = (float) gaussian(random);
      float rstd = (float) Math.abs(gaussian(random)) + 0.1f;
      float gamma = (float) gaussian(random);
      float beta = (float) gaussian(random);
      float[] y = values(random, size);
      float[] want = y.clone();
      for (int i = from; i < to; i++) {
        float v = addBias ? want[i] + bias : want[i];
        v = relu ? (v > 0f ? v : 0f) : v;
        want[i] = normalize ? gamma * ((v - mean) * rstd) + beta : v;
      }
      k.outputStage(y, from, to, addBias, bias, relu, normalize, mean, rstd, gamma, beta);
      assertThat(y).as("%d elements [%d, %d), bias %s, relu %s, normalize %s", size, from, to, addBias, relu,
          normalize).isEqualTo(want);
    }
  }

  @ParameterizedTest
  @MethodSource("dev.backprop.tensor.Providers#both")
  void channelsLastCopiesEveryPlaneRowIntoItsColumnAndZerosTheRest(VectorizationProvider provider) {
    KernelSet k = provider.kernels();
    SplittableRandom random = new SplittableRandom(9);
    int[] planeCounts = {1, 7, 8, 10, 16, 24, 32};
    for (int trial = 0; trial < 120; trial++) {
      int planes = planeCounts[trial % planeCounts.length];
      // Rows of planes + 8 too: the columns past the planes are then whole vectors of zeros at 256 bits.
      int rowLength = planes + (trial % 3 == 0 ? random.nextInt(9) : trial % 3 == 1 ? 8 : 0);
      int height = 1 + random.nextInt(12);
      int width = 1 + random.nextInt(30);
      int pitch = width + random.nextInt(4);
      int planeStride = height * width + random.nextInt(5);
      int rows = (height - 1) * pitch + width + random.nextInt(20);
      int xOffset = random.nextInt(4);
      int tOffset = random.nextInt(4);
      float[] x = values(random, xOffset + (planes - 1) * planeStride + height * width + 3);
      int size = tOffset + rows * rowLength + 3;
      float[] t = outside(size);
      float[] want = outside(size);
      Arrays.fill(want, tOffset, tOffset + rows * rowLength, 0f);
      for (int c = 0; c < planes; c++) {
        for (int h = 0; h < height; h++) {
          for (int w = 0; w < width; w++) {
            want[tOffset + (h * pitch + w) * rowLength + c] = x[xOffset + c * planeStride + h * width + w];
          }
        }
      }
      k.channelsLast(x, xOffset, planes, planeStride, height, width, pitch, t, tOffset, rowLength, rows);
      assertThat(t).as("%d planes of %dx%d at pitch %d into %d rows of %d", planes, height, width, pitch, rows,
          rowLength).isEqualTo(want);
    }
  }

  @Test
  void addShiftedRefusesOverlappingRanges() {
    float[] x = new float[10];
    assertThatThrownBy(() -> Kernels.addShifted(x, 0, x, 3, 4)).hasMessageContaining("overlap");
    Kernels.addShifted(x, 0, x, 4, 4);
  }

  @Test
  void multiplyAddShiftedRefusesOverlappingRanges() {
    float[] x = new float[10];
    assertThatThrownBy(() -> Kernels.multiplyAddShifted(2f, x, 3, x, 0, 4)).hasMessageContaining("overlap");
    Kernels.multiplyAddShifted(2f, x, 0, x, 4, 4);
  }

  /** Runs over random data: n runs of hw elements, channel c of an [n, channels, hw] tensor. */
  record Runs(int offset, int rows, int stride, int length, float[] x, float[] y) {
    static Runs random(SplittableRandom random) {
      int channels = 1 + random.nextInt(3);
      int rows = 1 + random.nextInt(6);
      int length = random.nextInt(4) == 0 ? 500 + random.nextInt(100) : random.nextInt(30);
      int c = random.nextInt(channels);
      float[] x = new float[rows * channels * length];
      float[] y = new float[x.length];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (gaussian(random) + 3);
        y[i] = (float) gaussian(random);
      }
      return new Runs(c * length, rows, channels * length, length, x, y);
    }

    int at(int r, int i) {
      return offset + r * stride + i;
    }
  }

  /** |computed − exact| within 2n·2^-53·Σ|terms|: n terms summed in double in any order, and the reference too. */
  static void assertSum(double computed, double[] terms, String what) {
    double exact = 0;
    double magnitude = 0;
    for (double t : terms) {
      exact += t;
      magnitude += Math.abs(t);
    }
    double bound = 2.0 * (terms.length + 1) * 0x1p-53 * magnitude;
    assertThat(Math.abs(computed - exact)).as("%s: %s vs %s", what, computed, exact).isLessThanOrEqualTo(bound);
  }

  @ParameterizedTest
  @MethodSource("dev.backprop.tensor.Providers#both")
  void sumsAreWithinTheDoubleBound(VectorizationProvider provider) {
    KernelSet k = provider.kernels();
    SplittableRandom random = new SplittableRandom(4);
    for (int trial = 0; trial < 100; trial++) {
      Runs r = Runs.random(random);
      int n = r.rows() * r.length();
      double mean = random.nextDouble() * 3;
      float fmean = (float) mean;
      float rstd = (float) (0.5 + random.nextDouble());
      double[] x = new double[n];
      double[] squares = new double[n];
      double[] dy = new double[n];
      double[] products = new double[n];
      for (int row = 0, t = 0; row < r.rows(); row++) {
        for (int i = 0; i < r.length(); i++, t++) {
          float v = r.x()[r.at(row, i)];
          float g = r.y()[r.at(row, i)];
          x[t] = v;
          squares[t] = (v - mean) * (v - mean);
          dy[t] = g;
          products[t] = g * ((v - fmean) * rstd);
        }
      }
      assertSum(k.sum(r.x(), r.offset(), r.rows(), r.stride(), r.length()), x, "sum " + r);
      assertSum(k.sumSquaredDeviations(r.x(), mean, r.offset(), r.rows(), r.stride(), r.length()), squares,
          "squared deviations " + r);
      double[] sums = {OUTSIDE, OUTSIDE, OUTSIDE, OUTSIDE};
      k.batchNormSums(r.y(), r.x(), fmean, rstd, r.offset(), r.rows(), r.stride(), r.length(), sums, 1);
      assertThat(sums[0]).isEqualTo(OUTSIDE);
      assertThat(sums[3]).isEqualTo(OUTSIDE);
      assertSum(sums[1], dy, "Σ dy " + r);
      assertSum(sums[2], products, "Σ dy·x̂ " + r);
    }
  }

  /**
   * Both kernels sum in the canonical order written out plainly here (see {@code KernelSet}), bit for bit:
   * 16 double lane sums over each run's whole blocks of 16, one tail sum for the rest, the lanes folded by the
   * fixed tree.
   */
  @ParameterizedTest
  @MethodSource("dev.backprop.tensor.Providers#both")
  void sumsFollowTheCanonicalOrder(VectorizationProvider provider) {
    KernelSet k = provider.kernels();
    SplittableRandom random = new SplittableRandom(9);
    for (int trial = 0; trial < 40; trial++) {
      Runs r = Runs.random(random);
      double mean = 3.1;
      float fmean = 2.9f;
      float rstd = 1.7f;
      assertThat(k.sum(r.x(), r.offset(), r.rows(), r.stride(), r.length()))
          .as("sum %s", r).isEqualTo(canonicalSum(r, (i, s) -> s + r.x()[i]));
      assertThat(k.sumSquaredDeviations(r.x(), mean, r.offset(), r.rows(), r.stride(), r.length()))
          .as("squares %s", r).isEqualTo(canonicalSum(r, (i, s) -> Math.fma(r.x()[i] - mean, r.x()[i] - mean, s)));
      double[] sums = new double[2];
      k.batchNormSums(r.y(), r.x(), fmean, rstd, r.offset(), r.rows(), r.stride(), r.length(), sums, 0);
      assertThat(sums[0]).as("Σ dy %s", r).isEqualTo(canonicalSum(r, (i, s) -> s + r.y()[i]));
      assertThat(sums[1]).as("Σ dy·x̂ %s", r)
          .isEqualTo(canonicalSum(r, (i, s) -> s + r.y()[i] * ((r.x()[i] - fmean) * rstd)));
    }
  }

  /** One update of a sum s by element i. */
  interface Update {
    double apply(int i, double s);
  }

  static double canonicalSum(Runs r, Update update) {
    double[] lanes = new double[16];
    double tail = 0;
    int whole = r.length() / 16 * 16;
    for (int row = 0; row < r.rows(); row++) {
      for (int i = 0; i < r.length(); i++) {
        if (i < whole) {
          lanes[i % 16] = update.apply(r.at(row, i), lanes[i % 16]);
        } else {
          tail = update.apply(r.at(row, i), tail);
        }
      }
    }
    for (int width = 8; width >= 1; width /= 2) {
      for (int l = 0; l < width; l++) {
        lanes[l] += lanes[l + width];
      }
    }
    return lanes[0] + tail;
  }

  /**
   * The first calls run in the interpreter or C1, the last in C2: the summation order must not change with the
   * tier (it would with {@code reduceLanes}).
   */
  @ParameterizedTest
  @MethodSource("dev.backprop.tensor.Providers#both")
  void sumsAreBitReproducibleAcrossJitTiers(VectorizationProvider provider) {
    KernelSet k = provider.kernels();
    SplittableRandom random = new SplittableRandom(6);
    float[] x = new float[16 * 3 * 121];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) gaussian(random);
    }
    double[] first = new double[2];
    double[] sums = new double[2];
    double sum = k.sum(x, 121, 16, 363, 121);
    double squares = k.sumSquaredDeviations(x, 0.25, 121, 16, 363, 121);
    k.batchNormSums(x, x, 0.25f, 1.5f, 121, 16, 363, 121, first, 0);
    for (int call = 0; call < 20_000; call++) {
      assertThat(k.sum(x, 121, 16, 363, 121)).isEqualTo(sum);
      assertThat(k.sumSquaredDeviations(x, 0.25, 121, 16, 363, 121)).isEqualTo(squares);
      k.batchNormSums(x, x, 0.25f, 1.5f, 121, 16, 363, 121, sums, 0);
      assertThat(sums).isEqualTo(first);
    }
  }

  @ParameterizedTest
  @MethodSource("dev.backprop.tensor.Providers#both")
  void batchNormAndItsBackwardAreAsDefined(VectorizationProvider provider) {
    KernelSet k = provider.kernels();
    SplittableRandom random = new SplittableRandom(7);
    for (int trial = 0; trial < 60; trial++) {
      Runs r = Runs.random(random);
      float[] x = r.x();
      float[] dy = r.y();
      float mean = (float) (random.nextDouble() * 3);
      float rstd = (float) (0.5 + random.nextDouble());
      float gamma = (float) gaussian(random);
      float beta = (float) gaussian(random);
      float scale = (float) gaussian(random);
      float meanDy = (float) gaussian(random);
      float meanDyXhat = (float) gaussian(random);
      float[] y = outside(x.length);
      float[] dx = outside(x.length);
      float[] wantY = outside(x.length);
      float[] wantDx = outside(x.length);
      float[] rectifiedDx = outside(x.length);
      float[] wantRectifiedDx = outside(x.length);
      for (int row = 0; row < r.rows(); row++) {
        for (int i = 0; i < r.length(); i++) {
          int at = r.at(row, i);
          float xhat = (x[at] - mean) * rstd;
          wantY[at] = gamma * xhat + beta;
          wantDx[at] = scale * (dy[at] - meanDy - xhat * meanDyXhat);
          wantRectifiedDx[at] = x[at] > 0 ? wantDx[at] : 0f; // then as ReLU's backward: 0 for x <= 0 and NaN
        }
      }
      k.batchNorm(x, mean, rstd, gamma, beta, y, r.offset(), r.rows(), r.stride(), r.length());
      k.batchNormBackward(dy, x, mean, rstd, scale, meanDy, meanDyXhat, false, dx, r.offset(), r.rows(),
          r.stride(), r.length());
      k.batchNormBackward(dy, x, mean, rstd, scale, meanDy, meanDyXhat, true, rectifiedDx, r.offset(), r.rows(),
          r.stride(), r.length());
      assertThat(y).as("batch norm %s", r).isEqualTo(wantY);
      assertThat(dx).as("batch norm backward %s", r).isEqualTo(wantDx);
      assertThat(rectifiedDx).as("rectified batch norm backward %s", r).isEqualTo(wantRectifiedDx);
    }
  }

  /**
   * Pooling with the samples in the lanes: every lane as the definition, the window's elements in row-major order
   * (max: the first, then each one that is greater or NaN; average: the sum from +0, times 1/k²), on values with
   * ties of ±0 and NaNs, kernels 1 to 3 and strides 1 to 3, 16 lanes (whole vectors at every width) and 5 (the
   * scalar loop).
   */
  @ParameterizedTest
  @MethodSource("dev.backprop.tensor.Providers#both")
  void poolLanesIsAsDefined(VectorizationProvider provider) {
    KernelSet k = provider.kernels();
    SplittableRandom random = new SplittableRandom(12);
    float[] small = {-1f, -0f, 0f, 1f, 2f, Float.NaN, Float.NEGATIVE_INFINITY};
    for (int trial = 0; trial < 60; trial++) {
      boolean max = trial % 2 == 0;
      int kernel = 1 + trial % 3;
      int stride = 1 + (trial / 3) % 3;
      int lanes = trial % 5 == 0 ? 5 : 16;
      int planes = 1 + random.nextInt(3);
      int h = kernel + random.nextInt(8);
      int w = kernel + random.nextInt(8);
      int oh = (h - kernel) / stride + 1;
      int ow = (w - kernel) / stride + 1;
      float[] x = new float[planes * h * w * lanes];
      for (int i = 0; i < x.length; i++) {
        x[i] = random.nextInt(3) == 0 ? (float) gaussian(random) : small[random.nextInt(small.length)];
      }
      float[] want = outside(planes * oh * ow * lanes + 3);
      for (int p = 0; p < planes; p++) {
        for (int i = 0; i < oh; i++) {
          for (int j = 0; j < ow; j++) {
            for (int l = 0; l < lanes; l++) {
              float acc = max ? x[((p * h + i * stride) * w + j * stride) * lanes + l] : 0f;
              for (int ki = 0; ki < kernel; ki++) {
                for (int kj = 0; kj < kernel; kj++) {
                  float v = x[((p * h + i * stride + ki) * w + j * stride + kj) * lanes + l];
                  acc = max ? (v > acc || Float.isNaN(v) ? v : acc) : acc + v;
                }
              }
              want[((p * oh + i) * ow + j) * lanes + l] = max ? acc : acc * (1f / (kernel * kernel));
            }
          }
        }
      }
      float[] y = outside(want.length);
      k.poolLanes(max, x, y, planes, h, w, kernel, stride, lanes);
      assertThat(y).as("%s pool %d planes %dx%d x %d lanes, kernel %d stride %d", max ? "max" : "average", planes, h,
          w, lanes, kernel, stride).isEqualTo(want);
    }
  }

  /**
   * Max pooling with many ties (values from a small set, ±0 among them) and NaNs, on planes of every width from 2
   * to 41 (output rows narrower, as wide as and wider than a vector, odd and even), odd heights too; planes
   * outside [from, to) must stay untouched.
   */
  @ParameterizedTest
  @MethodSource("dev.backprop.tensor.Providers#both")
  void maxPool2x2AndItsBackwardAreAsDefined(VectorizationProvider provider) {
    KernelSet k = provider.kernels();
    SplittableRandom random = new SplittableRandom(8);
    float[] small = {-1f, -0f, 0f, 1f, 2f, Float.NaN, Float.NEGATIVE_INFINITY};
    for (int w = 2; w <= 41; w++) {
      for (int h = 2; h <= 5; h++) {
        int planes = 4;
        int oh = h / 2;
        int ow = w / 2;
        float[] x = new float[planes * h * w];
        for (int i = 0; i < x.length; i++) {
          x[i] = random.nextInt(3) == 0 ? (float) gaussian(random) : small[random.nextInt(small.length)];
        }
        float[] dy = values(random, planes * oh * ow);
        float[] y = outside(planes * oh * ow);
        byte[] window = new byte[y.length];
        Arrays.fill(window, (byte) 9);
        float[] dx = outside(x.length);
        float[] wantY = outside(y.length);
        byte[] wantWindow = window.clone();
        float[] wantDx = outside(x.length);
        for (int p = 1; p < 3; p++) {
          Arrays.fill(wantDx, p * h * w, (p + 1) * h * w, 0f);
          for (int i = 0; i < oh; i++) {
            for (int j = 0; j < ow; j++) {
              int o = (p * oh + i) * ow + j;
              int best = (p * h + 2 * i) * w + 2 * j;
              float max = x[best];
              byte code = 0;
              for (byte c = 1; c < 4; c++) {
                int at = (p * h + 2 * i + c / 2) * w + 2 * j + c % 2;
                if (x[at] > max || Float.isNaN(x[at])) {
                  max = x[at];
                  best = at;
                  code = c;
                }
              }
              wantY[o] = max;
              wantWindow[o] = code;
              wantDx[best] = dy[o];
            }
          }
        }
        k.maxPool2x2(x, y, window, 1, 3, h, w);
        k.maxPool2x2Backward(dy, window, dx, 1, 3, h, w);
        assertThat(y).as("max pool %dx%d", h, w).isEqualTo(wantY);
        assertThat(window).as("max pool windows %dx%d", h, w).isEqualTo(wantWindow);
        assertThat(dx).as("max pool backward %dx%d", h, w).isEqualTo(wantDx);
      }
    }
  }

  @Test
  void rangesOutsideTheArraysAreRejectedBeforeAnythingIsWritten() {
    float[] x = new float[10];
    float[] y = outside(8);
    assertThatThrownBy(() -> Kernels.relu(x, y, 0, 10)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> Kernels.keepMask(1, 0.5, y, 4, 5)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> Kernels.sum(x, 1, 3, 4, 2)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> Kernels.batchNorm(x, 0, 1, 1, 0, y, 0, 2, 5, 5))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> Kernels.maxPool2x2(x, y, new byte[8], 0, 1, 4, 4))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThat(y).containsOnly(OUTSIDE);
    assertThat(Kernels.sum(x, 1, 3, 4, 1)).isZero();
  }
}
