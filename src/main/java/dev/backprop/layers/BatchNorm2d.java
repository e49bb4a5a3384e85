package dev.backprop.layers;

import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Kernels;
import dev.backprop.tensor.Tensor;
import java.util.List;

/**
 * Batch normalisation over (N, H, W) for each channel, as torch.nn.BatchNorm2d(C) with eps 1e-5, momentum 0.1,
 * affine weight (γ, init 1) and bias (β, init 0), and tracked running statistics.
 *
 * <pre>
 *   training   mean, var = batch mean and biased variance of channel c over its M = N·H·W values
 *              running_mean = 0.9·running_mean + 0.1·mean
 *              running_var  = 0.9·running_var  + 0.1·var·M/(M−1)    (unbiased, as PyTorch)
 *              num_batches_tracked += 1
 *   eval       mean, var = running_mean, running_var
 *   both       rstd = 1/√(var + eps),  x̂ = (x − mean)·rstd,  y = γ·x̂ + β
 * </pre>
 *
 * Forward keeps the input and caches mean and rstd; backward recomputes x̂ from them, to the same bits, rather
 * than forward writing x̂ out (a third of forward's memory traffic), so the input must stay unchanged until
 * backward, as for Conv2d. In training the batch statistics depend on x, giving the compact formula
 * dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) with dx̂ = γ·dy; in eval mode dx = γ·rstd·dy.
 * Channel sums are taken in double, each channel's in one fixed order that depends only on the shape
 * ({@link Kernels}). Channels run in parallel ({@link Parallel}), one chunk per channel, so the result does not
 * depend on the number of threads.
 */
public final class BatchNorm2d implements Layer {
  public static final double EPS = 1e-5;
  public static final double MOMENTUM = 0.1;

  private final int channels;
  private final Parameter weight; // γ [C]
  private final Parameter bias; // β [C]
  private final Tensor runningMean; // [C]
  private final Tensor runningVar; // [C]
  private final Tensor numBatchesTracked; // [] (a scalar, as PyTorch's 0-dim int64)
  private final List<Parameter> parameters;
  private final List<Buffer> buffers;

  private final float[] mean; // [C], of the last forward, as float
  private final float[] rstd; // [C], of the last forward
  private final double[] sums; // [C, 2]: Σ dy and Σ dy·x̂ of each channel, during backward
  private boolean lastTraining;
  private Tensor input; // [N, C, H, W], of the last forward
  private Tensor output;
  private Tensor gradInput;
  private Tensor gradOutput; // during backward
  private boolean rectified; // during backward: a ReLU's backward folded in
  private final Parallel.Body forwardChannels = this::forwardChannels;
  private final Parallel.Body backwardChannels = this::backwardChannels;

  public BatchNorm2d(int channels) {
    if (channels < 1) {
      throw new IllegalArgumentException("BatchNorm2d: channels must be positive, got " + channels);
    }
    this.channels = channels;
    this.weight = new Parameter("weight", Tensor.zeros(channels));
    weight.value().fill(1f);
    this.bias = new Parameter("bias", Tensor.zeros(channels));
    this.runningMean = Tensor.zeros(channels);
    this.runningVar = Tensor.zeros(channels);
    runningVar.fill(1f);
    this.numBatchesTracked = Tensor.zeros();
    this.parameters = List.of(weight, bias);
    this.buffers =
        List.of(
            new Buffer("running_mean", runningMean, false),
            new Buffer("running_var", runningVar, false),
            new Buffer("num_batches_tracked", numBatchesTracked, true));
    this.mean = new float[channels];
    this.rstd = new float[channels];
    this.sums = new double[2 * channels];
  }

  public Parameter weight() {
    return weight;
  }

  public int channels() {
    return channels;
  }

  public Parameter bias() {
    return bias;
  }

  public Tensor runningMean() {
    return runningMean;
  }

  public Tensor runningVar() {
    return runningVar;
  }

  /** Training forwards seen so far (PyTorch's num_batches_tracked). */
  public long numBatchesTracked() {
    return (long) numBatchesTracked.data()[0];
  }

  @Override
  public List<Parameter> parameters() {
    return parameters;
  }

  @Override
  public List<Buffer> buffers() {
    return buffers;
  }

  @Override
  public int[] outputShape(int[] inputShape) {
    Shapes.requireChannels(inputShape[0], channels, "BatchNorm2d", "channels");
    return inputShape.clone();
  }

  // x [N, C, H, W] -> y [N, C, H, W]
  @Override
  public Tensor forward(Tensor x, boolean training) {
    Shapes.requireRank(x, 4, "BatchNorm2d");
    Shapes.requireChannels(x.dim(1), channels, "BatchNorm2d", "channels");
    if (training && x.dim(0) * x.dim(2) * x.dim(3) < 2) {
      throw new IllegalArgumentException(
          "BatchNorm2d: expected more than 1 value per channel when training, got input " + x);
    }
    output = Scratch.like(output, x);
    lastTraining = training;
    input = x;
    Parallel.forRange(channels, 1, forwardChannels);
    if (training) {
      numBatchesTracked.data()[0] += 1f;
    }
    return output;
  }

  // Channels [from, to) of the forward pass.
  private void forwardChannels(int chunk, int from, int to, int worker) {
    int n = input.dim(0);
    int hw = input.dim(2) * input.dim(3);
    int m = n * hw;
    float[] in = input.data();
    float[] y = output.data();
    float[] gamma = weight.value().data();
    float[] beta = bias.value().data();
    float[] rm = runningMean.data();
    float[] rv = runningVar.data();
    for (int c = from; c < to; c++) {
      // Channel c: n runs of hw elements, one per sample.
      int offset = c * hw;
      int stride = channels * hw;
      double mu;
      double var;
      if (lastTraining) {
        mu = Kernels.sum(in, offset, n, stride, hw) / m;
        var = Kernels.sumSquaredDeviations(in, mu, offset, n, stride, hw) / m;
        rm[c] = (float) ((1 - MOMENTUM) * rm[c] + MOMENTUM * mu);
        rv[c] = (float) ((1 - MOMENTUM) * rv[c] + MOMENTUM * var * m / (m - 1));
      } else {
        mu = rm[c];
        var = rv[c];
      }
      mean[c] = (float) mu;
      rstd[c] = reciprocalStd(var);
      Kernels.batchNorm(in, mean[c], rstd[c], gamma[c], beta[c], y, offset, n, stride, hw);
    }
  }

  private static float reciprocalStd(double var) {
    return (float) (1.0 / Math.sqrt(var + EPS));
  }

  /**
   * The mean eval mode normalizes channel c with (its running mean), as {@code forward(x, false)} uses it: for a
   * preceding layer that applies this layer in its own output pass ({@link Sequential#infer}, with
   * {@link #evalRstd}, γ and β in {@link Kernels#outputStage}).
   */
  float evalMean(int c) {
    return runningMean.data()[c];
  }

  /** 1/√(running_var + eps) of channel c, as {@code forward(x, false)} computes it; see {@link #evalMean}. */
  float evalRstd(int c) {
    return reciprocalStd(runningVar.data()[c]);
  }

  // dy [N, C, H, W] -> dx [N, C, H, W]; dγ += Σ dy·x̂, dβ += Σ dy
  @Override
  public Tensor backward(Tensor gradOutput) {
    return backward(gradOutput, false);
  }

  /**
   * {@link #backward}, then, when {@code rectified}, the backward of the ReLU that produced this layer's input
   * (dx = 0 where the input is not &gt; 0), in the same pass: the bits the two layers' backward give.
   */
  Tensor backward(Tensor gradOutput, boolean rectified) {
    Shapes.requireGradient(gradOutput, output, "BatchNorm2d");
    gradInput = Scratch.like(gradInput, output);
    this.gradOutput = gradOutput;
    this.rectified = rectified;
    try {
      Parallel.forRange(channels, 1, backwardChannels);
    } finally {
      this.gradOutput = null;
    }
    return gradInput;
  }

  // Channels [from, to) of the backward pass.
  private void backwardChannels(int chunk, int from, int to, int worker) {
    int n = output.dim(0);
    int hw = output.dim(2) * output.dim(3);
    int m = n * hw;
    float[] dy = gradOutput.data();
    float[] dx = gradInput.data();
    float[] in = input.data();
    float[] gamma = weight.value().data();
    float[] dGamma = weight.grad().data();
    float[] dBeta = bias.grad().data();
    for (int c = from; c < to; c++) {
      int offset = c * hw;
      int stride = channels * hw;
      Kernels.batchNormSums(dy, in, mean[c], rstd[c], offset, n, stride, hw, sums, 2 * c);
      double sumDy = sums[2 * c];
      double sumDyXhat = sums[2 * c + 1];
      dGamma[c] += (float) sumDyXhat;
      dBeta[c] += (float) sumDy;
      float scale = gamma[c] * rstd[c];
      // With batch statistics: dx = γ·rstd·(dy − mean(dy) − x̂·mean(dy·x̂)); with running ones: γ·rstd·dy.
      float meanDy = lastTraining ? (float) (sumDy / m) : 0f;
      float meanDyXhat = lastTraining ? (float) (sumDyXhat / m) : 0f;
      Kernels.batchNormBackward(dy, in, mean[c], rstd[c], scale, meanDy, meanDyXhat, rectified, dx, offset, n,
          stride, hw);
    }
  }

  @Override
  public String toString() {
    return "BatchNorm2d(" + channels + ", eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)";
  }
}
