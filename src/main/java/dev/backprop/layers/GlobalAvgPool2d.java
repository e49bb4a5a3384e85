package dev.backprop.layers;

import dev.backprop.tensor.Tensor;
import java.util.Arrays;

/** Mean over each H×W plane: [N, C, H, W] -> [N, C, 1, 1], as torch.nn.AdaptiveAvgPool2d(1). */
public final class GlobalAvgPool2d implements Layer {
  private Tensor input;
  private Tensor output;
  private Tensor gradInput;

  @Override
  public int[] outputShape(int[] inputShape) {
    return new int[] {inputShape[0], 1, 1};
  }

  // x [N, C, H, W] -> y [N, C, 1, 1]
  @Override
  public Tensor forward(Tensor x, boolean training) {
    Shapes.requireRank(x, 4, "GlobalAvgPool2d");
    int planes = x.dim(0) * x.dim(1);
    int hw = x.dim(2) * x.dim(3);
    input = x;
    output = Tensor.reuseOrAllocate(output, x.dim(0), x.dim(1), 1, 1);
    float[] in = x.data();
    float[] y = output.data();
    for (int p = 0; p < planes; p++) {
      double sum = 0;
      for (int i = p * hw, end = i + hw; i < end; i++) {
        sum += in[i];
      }
      y[p] = (float) (sum / hw);
    }
    return output;
  }

  // dy [N, C, 1, 1] -> dx [N, C, H, W] = dy / (H·W)
  @Override
  public Tensor backward(Tensor gradOutput) {
    Shapes.requireGradient(gradOutput, output, "GlobalAvgPool2d");
    gradInput = Shapes.like(gradInput, input);
    int planes = input.dim(0) * input.dim(1);
    int hw = input.dim(2) * input.dim(3);
    float[] dy = gradOutput.data();
    float[] dx = gradInput.data();
    for (int p = 0; p < planes; p++) {
      float g = dy[p] / hw;
      Arrays.fill(dx, p * hw, (p + 1) * hw, g);
    }
    return gradInput;
  }

  @Override
  public String toString() {
    return "GlobalAvgPool2d()";
  }
}
