package dev.backprop.tensor;

import java.util.Arrays;

/**
 * A float32 tensor: one contiguous row-major buffer plus its shape. Images are NCHW. The buffer holds exactly
 * {@link #size()} elements; {@link #reshape} gives a view over the same buffer.
 */
public final class Tensor {
  private final float[] data;
  private final int[] shape;

  private Tensor(float[] data, int[] shape) {
    this.data = data;
    this.shape = shape;
  }

  public static Tensor zeros(int... shape) {
    return new Tensor(new float[checkedSize(shape)], shape.clone());
  }

  /** Wraps {@code data} without copying; its length must equal the product of {@code shape}. */
  public static Tensor wrap(float[] data, int... shape) {
    if (data.length != checkedSize(shape)) {
      throw new IllegalArgumentException(
          "buffer of " + data.length + " floats does not fit shape " + Arrays.toString(shape));
    }
    return new Tensor(data, shape.clone());
  }

  /** The backing buffer, for kernels: element (n, c, h, w) of an NCHW tensor is at ((n*C + c)*H + h)*W + w. */
  public float[] data() {
    return data;
  }

  public int[] shape() {
    return shape.clone();
  }

  public int rank() {
    return shape.length;
  }

  public int dim(int axis) {
    return shape[axis];
  }

  public int size() {
    return data.length;
  }

  public boolean hasShape(int... expected) {
    return Arrays.equals(shape, expected);
  }

  /** A view with another shape over the same buffer. */
  public Tensor reshape(int... newShape) {
    return wrap(data, newShape);
  }

  public Tensor copy() {
    return new Tensor(data.clone(), shape.clone());
  }

  public void fill(float value) {
    Arrays.fill(data, value);
  }

  /**
   * Returns {@code reuse} if it already has {@code shape}, otherwise a new zero tensor of that shape. Layers keep
   * their outputs between batches through this, so a steady training loop allocates nothing.
   */
  public static Tensor reuseOrAllocate(Tensor reuse, int... shape) {
    return reuse != null && reuse.hasShape(shape) ? reuse : zeros(shape);
  }

  @Override
  public String toString() {
    return "Tensor" + Arrays.toString(shape);
  }

  private static int checkedSize(int[] shape) {
    long size = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
      }
      size *= d;
    }
    if (size > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("tensor too large: " + Arrays.toString(shape));
    }
    return (int) size;
  }
}
