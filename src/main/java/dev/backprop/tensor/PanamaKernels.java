package dev.backprop.tensor;

import static jdk.incubator.vector.VectorOperators.B2I;
import static jdk.incubator.vector.VectorOperators.EQ;
import static jdk.incubator.vector.VectorOperators.F2D;
import static jdk.incubator.vector.VectorOperators.GE;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.I2B;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.NE;
import static jdk.incubator.vector.VectorOperators.XOR;

import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link KernelSet} on the incubating Vector API. Whole vectors of the preferred width, then the last few
 * elements of a range or run in scalar code with the same definition.
 *
 * <ul>
 *   <li>Selections (ReLU, the max-pool winner) are a compare and a blend: no branch to mispredict.
 *   <li>Sums widen DL floats at a time to doubles (DL: the preferred double vector's lanes, at most 8) and add them
 *       to the 16 lane sums of the canonical order ({@link KernelSet}), 16 / DL vectors per block; the last
 *       length mod 16 elements of each run go to the scalar tail sum, in order.
 *   <li>The keep mask runs SplitMix64 on long lanes and compares the top 53 bits with {@code ceil(p·2^53)}, the
 *       same test as {@code Rng.doubleAt(key, u) >= p} without converting to double.
 *   <li>2x2 max pooling, in vectors of PL = min(L, 8) lanes: two loads per input row give PL windows; a two-vector
 *       shuffle splits their even and odd columns, so the four positions of PL windows are four vectors, visited in
 *       row-major order with the same rule as the scalar loop. An output row not a multiple of PL wide ends with a
 *       vector that overlaps the one before (it writes the same values again). Output rows narrower than PL run
 *       the scalar loop, and so does everything with vectors of fewer than 8 floats, whose window codes would not
 *       fill a byte vector.
 * </ul>
 *
 * <p>The file is long because its loops are unrolled by hand, the sums once per vector width: C2 keeps vectors in
 * registers only while every Vector API call in a loop is inlined, and a loop over an array of accumulators, or a
 * helper that passes vectors, boxes them.
 */
final class PanamaKernels implements KernelSet {

  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();
  /** Doubles of the preferred width, at most 512 bits: a block of 16 lane sums is a whole number of vectors. */
  private static final VectorSpecies<Double> D =
      DoubleVector.SPECIES_PREFERRED.length() > 8 ? DoubleVector.SPECIES_512 : DoubleVector.SPECIES_PREFERRED;
  private static final int DL = D.length();
  /** Floats with as many lanes as {@link #D}: loaded, then widened. */
  private static final VectorSpecies<Float> DF = VectorSpecies.of(float.class, VectorShape.forBitSize(DL * 32));
  private static final VectorSpecies<Long> LS = LongVector.SPECIES_PREFERRED;
  private static final int LL = LS.length();
  /** Floats with as many lanes as {@link #LS}: the mask entries of one vector of random numbers. */
  private static final VectorSpecies<Float> LF = VectorSpecies.of(float.class, VectorShape.forBitSize(LL * 32));
  private static final FloatVector ZERO = FloatVector.zero(S);

  /**
   * Max pooling's vectors: at most 256 bits (8 lanes), since MNIST's pooled rows are 5 to 14 outputs wide and a row
   * narrower than the vector runs the scalar loop (at 512 bits ref15k's 11-wide rows all did, 2.8 ms per batch).
   */
  private static final VectorSpecies<Float> PS = L > 8 ? FloatVector.SPECIES_256 : S;
  private static final int PL = PS.length();
  private static final boolean POOL_VECTORS = PL >= 8;
  private static final FloatVector POOL_ZERO = FloatVector.zero(PS);
  private static final VectorSpecies<Integer> PI = PS.withLanes(int.class);
  private static final VectorSpecies<Byte> PB =
      POOL_VECTORS ? VectorSpecies.of(byte.class, VectorShape.forBitSize(PL * 8)) : null;
  private static final VectorShuffle<Float> EVEN = VectorShuffle.fromOp(PS, l -> 2 * l);
  private static final VectorShuffle<Float> ODD = VectorShuffle.fromOp(PS, l -> 2 * l + 1);
  /** Lanes 0, PL, 1, PL + 1, ... of (a, b), and the same from lane PL/2 on: the inverse of EVEN and ODD. */
  private static final VectorShuffle<Float> ZIP_LOW = VectorShuffle.fromOp(PS, l -> l / 2 + (l % 2) * PL);
  private static final VectorShuffle<Float> ZIP_HIGH = VectorShuffle.fromOp(PS, l -> PL / 2 + l / 2 + (l % 2) * PL);
  /** For 8 lanes: pairs of lanes 0-1, 8-9, 2-3, 10-11 of (a, b), and the same from lane 4 on (the transposes). */
  private static final VectorShuffle<Float> ZIP_PAIRS_LOW =
      VectorShuffle.fromOp(PS, l -> (l / 4) * 2 + l % 2 + ((l / 2) % 2) * PL);
  private static final VectorShuffle<Float> ZIP_PAIRS_HIGH =
      VectorShuffle.fromOp(PS, l -> PL / 2 + (l / 4) * 2 + l % 2 + ((l / 2) % 2) * PL);
  /** For 8 lanes: lanes 0-3 of a then 0-3 of b, and lanes 4-7 of a then 4-7 of b. */
  private static final VectorShuffle<Float> LOW_HALVES = VectorShuffle.fromOp(PS, l -> l % 4 + (l / 4) * PL);
  private static final VectorShuffle<Float> HIGH_HALVES = VectorShuffle.fromOp(PS, l -> 4 + l % 4 + (l / 4) * PL);

  /** Lane l: l·GAMMA, the counter offsets of one vector of SplitMix64 draws. */
  private static final LongVector GAMMAS = LongVector.zero(LS).addIndex(1).mul(Rng.GAMMA);

  PanamaKernels() {
    if (S.vectorBitSize() < 128) {
      throw new UnsupportedOperationException("preferred float vectors are " + S.vectorBitSize() + " bits");
    }
  }

  @Override
  public void relu(float[] x, float[] y, int from, int to) {
    int i = from;
    for (; i <= to - L; i += L) {
      FloatVector v = FloatVector.fromArray(S, x, i);
      ZERO.blend(v, v.compare(GT, 0f)).intoArray(y, i);
    }
    ScalarKernels.INSTANCE.relu(x, y, i, to);
  }

  @Override
  public void reluBackward(float[] dy, float[] y, float[] dx, int from, int to) {
    int i = from;
    for (; i <= to - L; i += L) {
      VectorMask<Float> positive = FloatVector.fromArray(S, y, i).compare(GT, 0f);
      ZERO.blend(FloatVector.fromArray(S, dy, i), positive).intoArray(dx, i);
    }
    ScalarKernels.INSTANCE.reluBackward(dy, y, dx, i, to);
  }

  @Override
  public void keepMask(long key, double p, float[] mask, int offset, int count) {
    if (LL < 4) {
      // Two long lanes make a 64-bit float vector of mask entries, which C2 does not compile to registers (every
      // step allocated).
      ScalarKernels.INSTANCE.keepMask(key, p, mask, offset, count);
      return;
    }
    // x·2^-53 >= p  <=>  x >= ceil(p·2^53) for an integer x; p·2^53 is exact, and at most 2^53.
    long threshold = (long) Math.ceil(p * 0x1p53);
    FloatVector zero = FloatVector.zero(LF);
    LongVector state = GAMMAS.add(key + Rng.GAMMA); // lane l: key + (u + l + 1)·GAMMA, for u = 0
    long step = LL * Rng.GAMMA;
    int u = 0;
    for (; u <= count - LL; u += LL) {
      LongVector z = state; // Rng.mix64, lane by lane
      z = z.lanewise(XOR, z.lanewise(LSHR, 30)).mul(Rng.MIX1);
      z = z.lanewise(XOR, z.lanewise(LSHR, 27)).mul(Rng.MIX2);
      z = z.lanewise(XOR, z.lanewise(LSHR, 31));
      VectorMask<Long> keep = z.lanewise(LSHR, 11).compare(GE, threshold);
      zero.blend(1f, keep.cast(LF)).intoArray(mask, offset + u);
      state = state.add(step);
    }
    for (; u < count; u++) {
      mask[offset + u] = Rng.doubleAt(key, u) >= p ? 1f : 0f;
    }
  }

  @Override
  public void multiply(float[] x, float[] m, float scale, float[] y, int from, int to) {
    int i = from;
    for (; i <= to - L; i += L) {
      FloatVector factor = FloatVector.fromArray(S, m, i).mul(scale);
      FloatVector.fromArray(S, x, i).mul(factor).intoArray(y, i);
    }
    ScalarKernels.INSTANCE.multiply(x, m, scale, y, i, to);
  }

  @Override
  public void scale(float[] x, float factor, float[] y, int from, int to) {
    int i = from;
    for (; i <= to - L; i += L) {
      FloatVector.fromArray(S, x, i).mul(factor).intoArray(y, i);
    }
    ScalarKernels.INSTANCE.scale(x, factor, y, i, to);
  }

  @Override
  public void add(float[] x, float value, float[] y, int from, int to) {
    int i = from;
    for (; i <= to - L; i += L) {
      FloatVector.fromArray(S, x, i).add(value).intoArray(y, i);
    }
    ScalarKernels.INSTANCE.add(x, value, y, i, to);
  }

  /**
   * The steps a flag turns off run as exact identities, so that the loops hold no vector assigned in a branch (C2
   * boxed those at 128 bits, a vector per step): x + (−0) = x and x − (+0) = x for every x, −0 included, and
   * x·1 = x. Two loops, with and without the ReLU's blend.
   */
  @Override
  public void outputStage(float[] y, int from, int to, boolean addBias, float bias, boolean relu,
      boolean normalize, float mean, float rstd, float gamma, float beta) {
    float add = addBias ? bias : -0f;
    float m = normalize ? mean : 0f;
    float r = normalize ? rstd : 1f;
    float g = normalize ? gamma : 1f;
    float b = normalize ? beta : -0f;
    int i = from;
    if (relu) {
      for (; i <= to - L; i += L) {
        FloatVector v = FloatVector.fromArray(S, y, i).add(add);
        ZERO.blend(v, v.compare(GT, 0f)).sub(m).mul(r).mul(g).add(b).intoArray(y, i);
      }
    } else {
      for (; i <= to - L; i += L) {
        FloatVector.fromArray(S, y, i).add(add).sub(m).mul(r).mul(g).add(b).intoArray(y, i);
      }
    }
    ScalarKernels.INSTANCE.outputStage(y, i, to, addBias, bias, relu, normalize, mean, rstd, gamma, beta);
  }

  /**
   * Blocks of 8 planes x 8 columns transposed in registers: 8 loads along the planes' rows, three rounds of 8
   * two-vector shuffles (pairs of lanes, then pairs of pairs, then halves), 8 stores into 8 rows of t. The same
   * copy as the scalar loop, faster because it loads and stores whole vectors: the scalar loop reads each element
   * from another plane (16 streams) and took a tenth of a training step. A row narrower than 8 ends with a block
   * that overlaps the one before (it writes the same values again); rows narrower than 8, planes past the last
   * whole 8 and vectors of fewer than 8 floats run the scalar loop.
   */
  @Override
  public void channelsLast(float[] x, int xOffset, int planes, int planeStride, int height, int width, int pitch,
      float[] t, int tOffset, int rowLength, int rows) {
    int blocked = planes - planes % 8;
    if (!POOL_VECTORS || width < 8 || blocked == 0) {
      // Gathers of a row's planes ran no faster at 512 bits, and at 256 bits C2 does not compile a masked gather
      // to the instruction (each one allocated a vector).
      ScalarKernels.INSTANCE.channelsLast(x, xOffset, planes, planeStride, height, width, pitch, t, tOffset,
          rowLength, rows);
      return;
    }
    for (int h = 0; h < height; h++) {
      int rowStart = tOffset + h * pitch * rowLength;
      // Zeros in the columns past the planes, and in the rows up to the next plane row (or the end). A vector store
      // where they are whole vectors: a call of Arrays.fill per row of 8 zeros made the first layer's dOut^T (8
      // channels in rows of 16) take 0.8 ms per ref15k batch.
      if ((rowLength - planes) % PL == 0) {
        for (int w = 0; w < width; w++) {
          for (int c = rowStart + w * rowLength + planes, end = rowStart + (w + 1) * rowLength; c < end; c += PL) {
            POOL_ZERO.intoArray(t, c);
          }
        }
      } else {
        for (int w = 0; w < width; w++) {
          Arrays.fill(t, rowStart + w * rowLength + planes, rowStart + (w + 1) * rowLength, 0f);
        }
      }
      int next = h < height - 1 ? (h + 1) * pitch : rows;
      Arrays.fill(t, rowStart + width * rowLength, tOffset + next * rowLength, 0f);
      for (int c0 = 0; c0 < blocked; c0 += 8) {
        int from = xOffset + c0 * planeStride + h * width;
        for (int w0 = 0; w0 < width; w0 += 8) {
          int w = Math.min(w0, width - 8);
          transpose8x8(x, from + w, planeStride, t, rowStart + w * rowLength + c0, rowLength);
        }
      }
      for (int c = blocked; c < planes; c++) {
        for (int w = 0; w < width; w++) {
          t[rowStart + w * rowLength + c] = x[xOffset + c * planeStride + h * width + w];
        }
      }
    }
  }

  /** t[to + j·tStride + i] = x[from + i·xStride + j] for i, j in 0..7. */
  private static void transpose8x8(float[] x, int from, int xStride, float[] t, int to, int tStride) {
    FloatVector r0 = FloatVector.fromArray(PS, x, from);
    FloatVector r1 = FloatVector.fromArray(PS, x, from + xStride);
    FloatVector r2 = FloatVector.fromArray(PS, x, from + 2 * xStride);
    FloatVector r3 = FloatVector.fromArray(PS, x, from + 3 * xStride);
    FloatVector r4 = FloatVector.fromArray(PS, x, from + 4 * xStride);
    FloatVector r5 = FloatVector.fromArray(PS, x, from + 5 * xStride);
    FloatVector r6 = FloatVector.fromArray(PS, x, from + 6 * xStride);
    FloatVector r7 = FloatVector.fromArray(PS, x, from + 7 * xStride);
    // Lanes of two rows interleaved: a0 = r0[0] r1[0] r0[1] r1[1] ... r1[3], a1 the same from lane 4.
    FloatVector a0 = r0.rearrange(ZIP_LOW, r1);
    FloatVector a1 = r0.rearrange(ZIP_HIGH, r1);
    FloatVector a2 = r2.rearrange(ZIP_LOW, r3);
    FloatVector a3 = r2.rearrange(ZIP_HIGH, r3);
    FloatVector a4 = r4.rearrange(ZIP_LOW, r5);
    FloatVector a5 = r4.rearrange(ZIP_HIGH, r5);
    FloatVector a6 = r6.rearrange(ZIP_LOW, r7);
    FloatVector a7 = r6.rearrange(ZIP_HIGH, r7);
    // Pairs interleaved: b0 = columns 0 and 1 of rows 0..3, b1 columns 2 and 3, b2 4 and 5, b3 6 and 7.
    FloatVector b0 = a0.rearrange(ZIP_PAIRS_LOW, a2);
    FloatVector b1 = a0.rearrange(ZIP_PAIRS_HIGH, a2);
    FloatVector b2 = a1.rearrange(ZIP_PAIRS_LOW, a3);
    FloatVector b3 = a1.rearrange(ZIP_PAIRS_HIGH, a3);
    FloatVector b4 = a4.rearrange(ZIP_PAIRS_LOW, a6);
    FloatVector b5 = a4.rearrange(ZIP_PAIRS_HIGH, a6);
    FloatVector b6 = a5.rearrange(ZIP_PAIRS_LOW, a7);
    FloatVector b7 = a5.rearrange(ZIP_PAIRS_HIGH, a7);
    // Halves joined: column j of rows 0..7.
    b0.rearrange(LOW_HALVES, b4).intoArray(t, to);
    b0.rearrange(HIGH_HALVES, b4).intoArray(t, to + tStride);
    b1.rearrange(LOW_HALVES, b5).intoArray(t, to + 2 * tStride);
    b1.rearrange(HIGH_HALVES, b5).intoArray(t, to + 3 * tStride);
    b2.rearrange(LOW_HALVES, b6).intoArray(t, to + 4 * tStride);
    b2.rearrange(HIGH_HALVES, b6).intoArray(t, to + 5 * tStride);
    b3.rearrange(LOW_HALVES, b7).intoArray(t, to + 6 * tStride);
    b3.rearrange(HIGH_HALVES, b7).intoArray(t, to + 7 * tStride);
  }

  @Override
  public void poolLanes(boolean max, float[] x, float[] y, int planes, int h, int w, int kernel, int stride,
      int lanes) {
    if (lanes % L != 0) {
      ScalarKernels.INSTANCE.poolLanes(max, x, y, planes, h, w, kernel, stride, lanes);
    } else if (max) {
      maxPoolLanes(x, y, planes, h, w, kernel, stride, lanes);
    } else {
      averagePoolLanes(x, y, planes, h, w, kernel, stride, lanes);
    }
  }

  private static void maxPoolLanes(float[] x, float[] y, int planes, int h, int w, int kernel, int stride,
      int lanes) {
    int oh = (h - kernel) / stride + 1;
    int ow = (w - kernel) / stride + 1;
    for (int p = 0; p < planes; p++) {
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          int to = ((p * oh + i) * ow + j) * lanes;
          int first = ((p * h + i * stride) * w + j * stride) * lanes;
          for (int l = 0; l < lanes; l += L) {
            FloatVector acc = FloatVector.fromArray(S, x, first + l);
            for (int ki = 0; ki < kernel; ki++) {
              for (int kj = 0; kj < kernel; kj++) {
                FloatVector v = FloatVector.fromArray(S, x, first + (ki * w + kj) * lanes + l);
                acc = acc.blend(v, v.compare(GT, acc).or(v.compare(NE, v)));
              }
            }
            acc.intoArray(y, to + l);
          }
        }
      }
    }
  }

  private static void averagePoolLanes(float[] x, float[] y, int planes, int h, int w, int kernel, int stride,
      int lanes) {
    int oh = (h - kernel) / stride + 1;
    int ow = (w - kernel) / stride + 1;
    float inv = 1f / (kernel * kernel);
    for (int p = 0; p < planes; p++) {
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          int to = ((p * oh + i) * ow + j) * lanes;
          int first = ((p * h + i * stride) * w + j * stride) * lanes;
          for (int l = 0; l < lanes; l += L) {
            FloatVector acc = ZERO;
            for (int ki = 0; ki < kernel; ki++) {
              for (int kj = 0; kj < kernel; kj++) {
                acc = acc.add(FloatVector.fromArray(S, x, first + (ki * w + kj) * lanes + l));
              }
            }
            acc.mul(inv).intoArray(y, to + l);
          }
        }
      }
    }
  }

  @Override
  public void addShifted(float[] x, int xOffset, float[] y, int yOffset, int count) {
    int u = 0;
    for (; u <= count - L; u += L) {
      FloatVector.fromArray(S, y, yOffset + u).add(FloatVector.fromArray(S, x, xOffset + u)).intoArray(y, yOffset + u);
    }
    ScalarKernels.INSTANCE.addShifted(x, xOffset + u, y, yOffset + u, count - u);
  }

  @Override
  public void multiplyAddShifted(float w, float[] x, int xOffset, float[] y, int yOffset, int count) {
    FloatVector wv = FloatVector.broadcast(S, w);
    int u = 0;
    for (; u <= count - L; u += L) {
      FloatVector.fromArray(S, x, xOffset + u).fma(wv, FloatVector.fromArray(S, y, yOffset + u))
          .intoArray(y, yOffset + u);
    }
    ScalarKernels.INSTANCE.multiplyAddShifted(w, x, xOffset + u, y, yOffset + u, count - u);
  }

  // The sums keep their 16 lane sums in 16 / DL vector registers where that fits, each width in its own method, so
  // that a loop holds only the accumulators of its width. C2 must inline every Vector API call in these loops or it
  // boxes a vector per call, so the loops call no helper that takes or returns a vector (such a helper can be
  // refused inlining once a method has inlined enough). Where the accumulators would outgrow that budget (two sums at
  // once at 256 bits, anything at 128) the lane sums go through memory instead, a load, an add and a store per
  // vector: slower (BatchNorm's forward took 1.8x as long that way at 512 bits), but it never boxes.

  @Override
  public double sum(float[] x, int offset, int rows, int stride, int length) {
    return switch (DL) {
      case 8 -> sum8(x, offset, rows, stride, length);
      case 4 -> sum4(x, offset, rows, stride, length);
      default -> sum2(x, offset, rows, stride, length);
    };
  }

  private static double sum8(float[] x, int offset, int rows, int stride, int length) {
    DoubleVector a0 = DoubleVector.zero(D), a1 = a0;
    double tail = 0;
    int whole = length - length % LANES;
    for (int r = 0; r < rows; r++) {
      int row = offset + r * stride;
      for (int i = row, end = row + whole; i < end; i += LANES) {
        a0 = a0.add(FloatVector.fromArray(DF, x, i).convertShape(F2D, D, 0));
        a1 = a1.add(FloatVector.fromArray(DF, x, i + 8).convertShape(F2D, D, 0));
      }
      tail = tailSum(x, row + whole, row + length, tail);
    }
    double[] lanes = LaneScratch.get();
    a0.intoArray(lanes, 0);
    a1.intoArray(lanes, 8);
    return KernelSet.foldLanes(lanes, 0) + tail;
  }

  private static double sum4(float[] x, int offset, int rows, int stride, int length) {
    DoubleVector a0 = DoubleVector.zero(D), a1 = a0, a2 = a0, a3 = a0;
    double tail = 0;
    int whole = length - length % LANES;
    for (int r = 0; r < rows; r++) {
      int row = offset + r * stride;
      for (int i = row, end = row + whole; i < end; i += LANES) {
        a0 = a0.add(FloatVector.fromArray(DF, x, i).convertShape(F2D, D, 0));
        a1 = a1.add(FloatVector.fromArray(DF, x, i + 4).convertShape(F2D, D, 0));
        a2 = a2.add(FloatVector.fromArray(DF, x, i + 8).convertShape(F2D, D, 0));
        a3 = a3.add(FloatVector.fromArray(DF, x, i + 12).convertShape(F2D, D, 0));
      }
      tail = tailSum(x, row + whole, row + length, tail);
    }
    double[] lanes = LaneScratch.get();
    a0.intoArray(lanes, 0);
    a1.intoArray(lanes, 4);
    a2.intoArray(lanes, 8);
    a3.intoArray(lanes, 12);
    return KernelSet.foldLanes(lanes, 0) + tail;
  }

  private static double sum2(float[] x, int offset, int rows, int stride, int length) {
    DoubleVector a0 = DoubleVector.zero(D), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    double tail = 0;
    int whole = length - length % LANES;
    for (int r = 0; r < rows; r++) {
      int row = offset + r * stride;
      for (int i = row, end = row + whole; i < end; i += LANES) {
        a0 = a0.add(FloatVector.fromArray(DF, x, i).convertShape(F2D, D, 0));
        a1 = a1.add(FloatVector.fromArray(DF, x, i + 2).convertShape(F2D, D, 0));
        a2 = a2.add(FloatVector.fromArray(DF, x, i + 4).convertShape(F2D, D, 0));
        a3 = a3.add(FloatVector.fromArray(DF, x, i + 6).convertShape(F2D, D, 0));
        a4 = a4.add(FloatVector.fromArray(DF, x, i + 8).convertShape(F2D, D, 0));
        a5 = a5.add(FloatVector.fromArray(DF, x, i + 10).convertShape(F2D, D, 0));
        a6 = a6.add(FloatVector.fromArray(DF, x, i + 12).convertShape(F2D, D, 0));
        a7 = a7.add(FloatVector.fromArray(DF, x, i + 14).convertShape(F2D, D, 0));
      }
      tail = tailSum(x, row + whole, row + length, tail);
    }
    double[] lanes = LaneScratch.get();
    a0.intoArray(lanes, 0);
    a1.intoArray(lanes, 2);
    a2.intoArray(lanes, 4);
    a3.intoArray(lanes, 6);
    a4.intoArray(lanes, 8);
    a5.intoArray(lanes, 10);
    a6.intoArray(lanes, 12);
    a7.intoArray(lanes, 14);
    return KernelSet.foldLanes(lanes, 0) + tail;
  }

  private static double tailSum(float[] x, int from, int to, double tail) {
    for (int i = from; i < to; i++) {
      tail += x[i];
    }
    return tail;
  }

  @Override
  public double sumSquaredDeviations(float[] x, double mean, int offset, int rows, int stride, int length) {
    return switch (DL) {
      case 8 -> squaredDeviations8(x, mean, offset, rows, stride, length);
      case 4 -> squaredDeviations4(x, mean, offset, rows, stride, length);
      default -> squaredDeviations2(x, mean, offset, rows, stride, length);
    };
  }

  // d = x − mean in double, then acc = fma(d, d, acc): one rounding per update.
  private static double squaredDeviations8(float[] x, double mean, int offset, int rows, int stride, int length) {
    DoubleVector a0 = DoubleVector.zero(D), a1 = a0;
    double tail = 0;
    int whole = length - length % LANES;
    for (int r = 0; r < rows; r++) {
      int row = offset + r * stride;
      for (int i = row, end = row + whole; i < end; i += LANES) {
        DoubleVector d0 = ((DoubleVector) FloatVector.fromArray(DF, x, i).convertShape(F2D, D, 0)).sub(mean);
        DoubleVector d1 = ((DoubleVector) FloatVector.fromArray(DF, x, i + 8).convertShape(F2D, D, 0)).sub(mean);
        a0 = d0.fma(d0, a0);
        a1 = d1.fma(d1, a1);
      }
      tail = tailSquaredDeviations(x, mean, row + whole, row + length, tail);
    }
    double[] lanes = LaneScratch.get();
    a0.intoArray(lanes, 0);
    a1.intoArray(lanes, 8);
    return KernelSet.foldLanes(lanes, 0) + tail;
  }

  private static double squaredDeviations4(float[] x, double mean, int offset, int rows, int stride, int length) {
    DoubleVector a0 = DoubleVector.zero(D), a1 = a0, a2 = a0, a3 = a0;
    double tail = 0;
    int whole = length - length % LANES;
    for (int r = 0; r < rows; r++) {
      int row = offset + r * stride;
      for (int i = row, end = row + whole; i < end; i += LANES) {
        DoubleVector d0 = ((DoubleVector) FloatVector.fromArray(DF, x, i).convertShape(F2D, D, 0)).sub(mean);
        DoubleVector d1 = ((DoubleVector) FloatVector.fromArray(DF, x, i + 4).convertShape(F2D, D, 0)).sub(mean);
        DoubleVector d2 = ((DoubleVector) FloatVector.fromArray(DF, x, i + 8).convertShape(F2D, D, 0)).sub(mean);
        DoubleVector d3 = ((DoubleVector) FloatVector.fromArray(DF, x, i + 12).convertShape(F2D, D, 0)).sub(mean);
        a0 = d0.fma(d0, a0);
        a1 = d1.fma(d1, a1);
        a2 = d2.fma(d2, a2);
        a3 = d3.fma(d3, a3);
      }
      tail = tailSquaredDeviations(x, mean, row + whole, row + length, tail);
    }
    double[] lanes = LaneScratch.get();
    a0.intoArray(lanes, 0);
    a1.intoArray(lanes, 4);
    a2.intoArray(lanes, 8);
    a3.intoArray(lanes, 12);
    return KernelSet.foldLanes(lanes, 0) + tail;
  }

  private static double squaredDeviations2(float[] x, double mean, int offset, int rows, int stride, int length) {
    DoubleVector a0 = DoubleVector.zero(D), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    double tail = 0;
    int whole = length - length % LANES;
    for (int r = 0; r < rows; r++) {
      int row = offset + r * stride;
      for (int i = row, end = row + whole; i < end; i += LANES) {
        DoubleVector d0 = ((DoubleVector) FloatVector.fromArray(DF, x, i).convertShape(F2D, D, 0)).sub(mean);
        DoubleVector d1 = ((DoubleVector) FloatVector.fromArray(DF, x, i + 2).convertShape(F2D, D, 0)).sub(mean);
        DoubleVector d2 = ((DoubleVector) FloatVector.fromArray(DF, x, i + 4).convertShape(F2D, D, 0)).sub(mean);
        DoubleVector d3 = ((DoubleVector) FloatVector.fromArray(DF, x, i + 6).convertShape(F2D, D, 0)).sub(mean);
        DoubleVector d4 = ((DoubleVector) FloatVector.fromArray(DF, x, i + 8).convertShape(F2D, D, 0)).sub(mean);
        DoubleVector d5 = ((DoubleVector) FloatVector.fromArray(DF, x, i + 10).convertShape(F2D, D, 0)).sub(mean);
        DoubleVector d6 = ((DoubleVector) FloatVector.fromArray(DF, x, i + 12).convertShape(F2D, D, 0)).sub(mean);
        DoubleVector d7 = ((DoubleVector) FloatVector.fromArray(DF, x, i + 14).convertShape(F2D, D, 0)).sub(mean);
        a0 = d0.fma(d0, a0);
        a1 = d1.fma(d1, a1);
        a2 = d2.fma(d2, a2);
        a3 = d3.fma(d3, a3);
        a4 = d4.fma(d4, a4);
        a5 = d5.fma(d5, a5);
        a6 = d6.fma(d6, a6);
        a7 = d7.fma(d7, a7);
      }
      tail = tailSquaredDeviations(x, mean, row + whole, row + length, tail);
    }
    double[] lanes = LaneScratch.get();
    a0.intoArray(lanes, 0);
    a1.intoArray(lanes, 2);
    a2.intoArray(lanes, 4);
    a3.intoArray(lanes, 6);
    a4.intoArray(lanes, 8);
    a5.intoArray(lanes, 10);
    a6.intoArray(lanes, 12);
    a7.intoArray(lanes, 14);
    return KernelSet.foldLanes(lanes, 0) + tail;
  }

  private static double tailSquaredDeviations(float[] x, double mean, int from, int to, double tail) {
    for (int i = from; i < to; i++) {
      double d = x[i] - mean;
      tail = Math.fma(d, d, tail);
    }
    return tail;
  }

  @Override
  public void batchNorm(float[] x, float mean, float rstd, float gamma, float beta, float[] y, int offset,
      int rows, int stride, int length) {
    for (int r = 0; r < rows; r++) {
      int row = offset + r * stride;
      int i = row;
      for (int end = row + length - L; i <= end; i += L) {
        FloatVector xhat = FloatVector.fromArray(S, x, i).sub(mean).mul(rstd);
        xhat.mul(gamma).add(beta).intoArray(y, i);
      }
      ScalarKernels.INSTANCE.batchNorm(x, mean, rstd, gamma, beta, y, i, 1, 0, row + length - i);
    }
  }

  @Override
  public void batchNormSums(float[] dy, float[] x, float mean, float rstd, int offset, int rows, int stride,
      int length, double[] sums, int at) {
    if (DL == 8) {
      batchNormSums8(dy, x, mean, rstd, offset, rows, stride, length, sums, at);
    } else if (DL == 4) {
      batchNormSums4(dy, x, mean, rstd, offset, rows, stride, length, sums, at);
    } else {
      batchNormSumsInMemory(dy, x, mean, rstd, offset, rows, stride, length, sums, at);
    }
  }

  // g: the lane sums of dy; p: those of dy·x̂, each product rounded to float (as Java's dy * xhat), then widened.
  private static void batchNormSums8(float[] dy, float[] x, float mean, float rstd, int offset, int rows,
      int stride, int length, double[] sums, int at) {
    DoubleVector g0 = DoubleVector.zero(D), g1 = g0, p0 = g0, p1 = g0;
    int whole = length - length % LANES;
    for (int r = 0; r < rows; r++) {
      int row = offset + r * stride;
      for (int i = row, end = row + whole; i < end; i += LANES) {
        FloatVector dy0 = FloatVector.fromArray(DF, dy, i);
        FloatVector dy1 = FloatVector.fromArray(DF, dy, i + 8);
        FloatVector xhat0 = FloatVector.fromArray(DF, x, i).sub(mean).mul(rstd);
        FloatVector xhat1 = FloatVector.fromArray(DF, x, i + 8).sub(mean).mul(rstd);
        g0 = g0.add(dy0.convertShape(F2D, D, 0));
        g1 = g1.add(dy1.convertShape(F2D, D, 0));
        p0 = p0.add(dy0.mul(xhat0).convertShape(F2D, D, 0));
        p1 = p1.add(dy1.mul(xhat1).convertShape(F2D, D, 0));
      }
    }
    double[] lanes = LaneScratch.get();
    g0.intoArray(lanes, 0);
    g1.intoArray(lanes, 8);
    p0.intoArray(lanes, LANES);
    p1.intoArray(lanes, LANES + 8);
    finishBatchNormSums(dy, x, mean, rstd, offset, rows, stride, length, lanes, sums, at);
  }

  private static void batchNormSums4(float[] dy, float[] x, float mean, float rstd, int offset, int rows,
      int stride, int length, double[] sums, int at) {
    DoubleVector g0 = DoubleVector.zero(D), g1 = g0, g2 = g0, g3 = g0, p0 = g0, p1 = g0, p2 = g0, p3 = g0;
    int whole = length - length % LANES;
    for (int r = 0; r < rows; r++) {
      int row = offset + r * stride;
      for (int i = row, end = row + whole; i < end; i += LANES) {
        FloatVector dy0 = FloatVector.fromArray(DF, dy, i);
        FloatVector dy1 = FloatVector.fromArray(DF, dy, i + 4);
        FloatVector dy2 = FloatVector.fromArray(DF, dy, i + 8);
        FloatVector dy3 = FloatVector.fromArray(DF, dy, i + 12);
        g0 = g0.add(dy0.convertShape(F2D, D, 0));
        g1 = g1.add(dy1.convertShape(F2D, D, 0));
        g2 = g2.add(dy2.convertShape(F2D, D, 0));
        g3 = g3.add(dy3.convertShape(F2D, D, 0));
        p0 = p0.add(dy0.mul(FloatVector.fromArray(DF, x, i).sub(mean).mul(rstd)).convertShape(F2D, D, 0));
        p1 = p1.add(dy1.mul(FloatVector.fromArray(DF, x, i + 4).sub(mean).mul(rstd)).convertShape(F2D, D, 0));
        p2 = p2.add(dy2.mul(FloatVector.fromArray(DF, x, i + 8).sub(mean).mul(rstd)).convertShape(F2D, D, 0));
        p3 = p3.add(dy3.mul(FloatVector.fromArray(DF, x, i + 12).sub(mean).mul(rstd)).convertShape(F2D, D, 0));
      }
    }
    double[] lanes = LaneScratch.get();
    g0.intoArray(lanes, 0);
    g1.intoArray(lanes, 4);
    g2.intoArray(lanes, 8);
    g3.intoArray(lanes, 12);
    p0.intoArray(lanes, LANES);
    p1.intoArray(lanes, LANES + 4);
    p2.intoArray(lanes, LANES + 8);
    p3.intoArray(lanes, LANES + 12);
    finishBatchNormSums(dy, x, mean, rstd, offset, rows, stride, length, lanes, sums, at);
  }

  private static void batchNormSumsInMemory(float[] dy, float[] x, float mean, float rstd, int offset, int rows,
      int stride, int length, double[] sums, int at) {
    double[] lanes = LaneScratch.zeroed(); // Σ dy in 0..15, Σ dy·x̂ in 16..31
    int whole = length - length % LANES;
    for (int r = 0; r < rows; r++) {
      int row = offset + r * stride;
      for (int i = row, end = row + whole; i < end; i += LANES) {
        for (int v = 0; v < LANES; v += DL) {
          FloatVector g = FloatVector.fromArray(DF, dy, i + v);
          FloatVector xhat = FloatVector.fromArray(DF, x, i + v).sub(mean).mul(rstd);
          DoubleVector.fromArray(D, lanes, v).add(g.convertShape(F2D, D, 0)).intoArray(lanes, v);
          DoubleVector.fromArray(D, lanes, LANES + v).add(g.mul(xhat).convertShape(F2D, D, 0))
              .intoArray(lanes, LANES + v);
        }
      }
    }
    finishBatchNormSums(dy, x, mean, rstd, offset, rows, stride, length, lanes, sums, at);
  }

  /** The tails of every run, in order; then sums[at] and sums[at + 1] from the folded lane sums and the tails. */
  private static void finishBatchNormSums(float[] dy, float[] x, float mean, float rstd, int offset, int rows,
      int stride, int length, double[] lanes, double[] sums, int at) {
    double dyTail = 0;
    double productTail = 0;
    int whole = length - length % LANES;
    for (int r = 0; r < rows; r++) {
      for (int i = offset + r * stride + whole, end = offset + r * stride + length; i < end; i++) {
        dyTail += dy[i];
        productTail += dy[i] * ((x[i] - mean) * rstd);
      }
    }
    sums[at] = KernelSet.foldLanes(lanes, 0) + dyTail;
    sums[at + 1] = KernelSet.foldLanes(lanes, LANES) + productTail;
  }

  @Override
  public void batchNormBackward(float[] dy, float[] x, float mean, float rstd, float scale, float meanDy,
      float meanDyXhat, boolean rectified, float[] dx, int offset, int rows, int stride, int length) {
    FloatVector zero = FloatVector.zero(S);
    for (int r = 0; r < rows; r++) {
      int row = offset + r * stride;
      int i = row;
      for (int end = row + length - L; i <= end; i += L) {
        FloatVector xv = FloatVector.fromArray(S, x, i);
        FloatVector xhat = xv.sub(mean).mul(rstd);
        FloatVector centred = FloatVector.fromArray(S, dy, i).sub(meanDy);
        FloatVector d = centred.sub(xhat.mul(meanDyXhat)).mul(scale);
        if (rectified) {
          d = zero.blend(d, xv.compare(GT, 0f));
        }
        d.intoArray(dx, i);
      }
      ScalarKernels.INSTANCE.batchNormBackward(dy, x, mean, rstd, scale, meanDy, meanDyXhat, rectified, dx, i, 1,
          0, row + length - i);
    }
  }

  @Override
  public void maxPool2x2(float[] x, float[] y, byte[] window, int from, int to, int h, int w) {
    int oh = h / 2;
    int ow = w / 2;
    if (!POOL_VECTORS || ow < PL) {
      ScalarKernels.INSTANCE.maxPool2x2(x, y, window, from, to, h, w);
      return;
    }
    for (int p = from; p < to; p++) {
      for (int i = 0; i < oh; i++) {
        int o = (p * oh + i) * ow;
        int top = (p * h + 2 * i) * w;
        int bottom = top + w;
        for (int j0 = 0; j0 < ow; j0 += PL) {
          int j = Math.min(j0, ow - PL);
          FloatVector t0 = FloatVector.fromArray(PS, x, top + 2 * j);
          FloatVector t1 = FloatVector.fromArray(PS, x, top + 2 * j + PL);
          FloatVector b0 = FloatVector.fromArray(PS, x, bottom + 2 * j);
          FloatVector b1 = FloatVector.fromArray(PS, x, bottom + 2 * j + PL);
          FloatVector max = t0.rearrange(EVEN, t1);
          IntVector code = IntVector.zero(PI);
          FloatVector v = t0.rearrange(ODD, t1);
          VectorMask<Float> wins = v.compare(GT, max).or(v.compare(NE, v));
          max = max.blend(v, wins);
          code = code.blend(1, wins.cast(PI));
          v = b0.rearrange(EVEN, b1);
          wins = v.compare(GT, max).or(v.compare(NE, v));
          max = max.blend(v, wins);
          code = code.blend(2, wins.cast(PI));
          v = b0.rearrange(ODD, b1);
          wins = v.compare(GT, max).or(v.compare(NE, v));
          max = max.blend(v, wins);
          code = code.blend(3, wins.cast(PI));
          max.intoArray(y, o + j);
          ((ByteVector) code.convertShape(I2B, PB, 0)).intoArray(window, o + j);
        }
      }
    }
  }

  @Override
  public void maxPool2x2Backward(float[] dy, byte[] window, float[] dx, int from, int to, int h, int w) {
    int oh = h / 2;
    int ow = w / 2;
    if (!POOL_VECTORS || ow < PL) {
      ScalarKernels.INSTANCE.maxPool2x2Backward(dy, window, dx, from, to, h, w);
      return;
    }
    for (int p = from; p < to; p++) {
      for (int i = 0; i < oh; i++) {
        int o = (p * oh + i) * ow;
        int top = (p * h + 2 * i) * w;
        int bottom = top + w;
        for (int j0 = 0; j0 < ow; j0 += PL) {
          int j = Math.min(j0, ow - PL);
          FloatVector g = FloatVector.fromArray(PS, dy, o + j);
          IntVector code = (IntVector) ByteVector.fromArray(PB, window, o + j).convertShape(B2I, PI, 0);
          FloatVector p0 = POOL_ZERO.blend(g, code.compare(EQ, 0).cast(PS));
          FloatVector p1 = POOL_ZERO.blend(g, code.compare(EQ, 1).cast(PS));
          FloatVector p2 = POOL_ZERO.blend(g, code.compare(EQ, 2).cast(PS));
          FloatVector p3 = POOL_ZERO.blend(g, code.compare(EQ, 3).cast(PS));
          p0.rearrange(ZIP_LOW, p1).intoArray(dx, top + 2 * j);
          p0.rearrange(ZIP_HIGH, p1).intoArray(dx, top + 2 * j + PL);
          p2.rearrange(ZIP_LOW, p3).intoArray(dx, bottom + 2 * j);
          p2.rearrange(ZIP_HIGH, p3).intoArray(dx, bottom + 2 * j + PL);
        }
      }
      ScalarKernels.zeroUnpooled(dx, p, h, w);
    }
  }
}
