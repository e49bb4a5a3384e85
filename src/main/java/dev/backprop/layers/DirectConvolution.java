package dev.backprop.layers;

/**
 * The convolution straight from its definition, in plain loops: the reference the other strategies are tested
 * against, and the fallback for any shape. Each sum is one chain of fused multiply-adds in the order of its loops,
 * padding taps skipped (they would add fma(w, 0, s) = s):
 *
 * <pre>
 *   out[s, o, i, j]  = Σ_c Σ_ki Σ_kj W[o, c, ki, kj] · x[s, c, i·stride + ki − p, j·stride + kj − p]   (+ bias[o])
 *   dW[o, c, ki, kj] += Σ_s Σ_i Σ_j dOut[s, o, i, j] · x[s, c, i·stride + ki − p, j·stride + kj − p]
 *   dx[s, c, h, w]    = Σ_o Σ_ki Σ_kj W[o, c, ki, kj] · dOut[s, o, i, j]  over i·stride + ki − p = h, j·stride + kj − p = w
 * </pre>
 *
 * x is 0 outside [0, H) × [0, W). The forward sums run over (c, ki, kj) and the weight gradient's over (s, i, j) in
 * the orders the matrix products do, so forward and dW give their bits; dx sums in another order than the products
 * and agrees with them within float rounding. dW goes into the strategies' transposed layout,
 * dWᵀ[C·k·k, gradientWidth].
 */
final class DirectConvolution extends ConvStrategy {

  DirectConvolution(ConvGeometry g, Parameter weight, Parameter bias) {
    super(g, weight, bias);
  }

  @Override
  String name() {
    return "direct (reference loops)";
  }

  @Override
  void prepare(int threads, boolean backward) {
    // no scratch: the loops read x and write the outputs in place
  }

  @Override
  void forward(float[] x, int start, int end, int worker, float[] out, OutputStage stage) {
    float[] w = weight.value().data();
    int k = g.kernel();
    for (int s = start; s < end; s++) {
      for (int o = 0; o < g.outChannels(); o++) {
        int plane = (s * g.outChannels() + o) * g.outPlane();
        for (int i = 0; i < g.outH(); i++) {
          for (int j = 0; j < g.outW(); j++) {
            float sum = 0f;
            for (int c = 0; c < g.inChannels(); c++) {
              for (int ki = 0; ki < k; ki++) {
                int h = i * g.stride() + ki - g.padding();
                for (int kj = 0; kj < k; kj++) {
                  int v = j * g.stride() + kj - g.padding();
                  if (h >= 0 && h < g.inH() && v >= 0 && v < g.inW()) {
                    sum = Math.fma(w[((o * g.inChannels() + c) * k + ki) * k + kj], x[input(s, c, h, v)], sum);
                  }
                }
              }
            }
            out[plane + i * g.outW() + j] = sum;
          }
        }
        finishPlane(out, plane, o, stage);
      }
    }
  }

  @Override
  void backward(float[] x, float[] dOut, int start, int end, int worker, float[] dW, boolean first, float[] dx) {
    float[] w = weight.value().data();
    int k = g.kernel();
    for (int o = 0; o < g.outChannels(); o++) {
      for (int c = 0; c < g.inChannels(); c++) {
        for (int ki = 0; ki < k; ki++) {
          for (int kj = 0; kj < k; kj++) {
            int at = (((c * k) + ki) * k + kj) * g.gradientWidth() + o;
            float sum = first ? 0f : dW[at];
            for (int s = start; s < end; s++) {
              for (int i = 0; i < g.outH(); i++) {
                int h = i * g.stride() + ki - g.padding();
                for (int j = 0; j < g.outW(); j++) {
                  int v = j * g.stride() + kj - g.padding();
                  if (h >= 0 && h < g.inH() && v >= 0 && v < g.inW()) {
                    sum = Math.fma(dOut[output(s, o, i, j)], x[input(s, c, h, v)], sum);
                  }
                }
              }
            }
            dW[at] = sum;
          }
        }
      }
    }
    for (int s = start; dx != null && s < end; s++) {
      for (int c = 0; c < g.inChannels(); c++) {
        for (int h = 0; h < g.inH(); h++) {
          for (int v = 0; v < g.inW(); v++) {
            float sum = 0f;
            for (int o = 0; o < g.outChannels(); o++) {
              for (int ki = 0; ki < k; ki++) {
                int ih = h + g.padding() - ki; // = i·stride
                for (int kj = 0; kj < k; kj++) {
                  int jw = v + g.padding() - kj; // = j·stride
                  if (ih >= 0 && jw >= 0 && ih % g.stride() == 0 && jw % g.stride() == 0
                      && ih / g.stride() < g.outH() && jw / g.stride() < g.outW()) {
                    sum = Math.fma(w[((o * g.inChannels() + c) * k + ki) * k + kj],
                        dOut[output(s, o, ih / g.stride(), jw / g.stride())], sum);
                  }
                }
              }
            }
            dx[input(s, c, h, v)] = sum;
          }
        }
      }
    }
  }

  private int input(int s, int c, int h, int w) {
    return ((s * g.inChannels() + c) * g.inH() + h) * g.inW() + w;
  }

  private int output(int s, int o, int i, int j) {
    return ((s * g.outChannels() + o) * g.outH() + i) * g.outW() + j;
  }
}
