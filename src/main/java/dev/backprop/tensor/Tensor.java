package dev.backprop.tensor;

import java.util.Arrays;

/**
 * A float32 tensor: one contiguous row-major buffer plus its shape. Images are NCHW. The tensor is the first
 * {@link #size()} elements of the buffer; the buffer may be longer when {@link #reuseOrAllocate} reused a larger
 * batch's buffer, so kernels loop to {@link #size()}, never to the buffer's length. {@link #reshape} gives a view
 * over the same buffer.
 */
public final class Tensor {
  private final float[] data;
  private final int[] shape;
  private final int size;

  private Tensor(float[] data, int[] shape) {
    this.data = data;
    this.shape = shape;
    this.size = checkedSize(shape);
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
    return size;
  }

  public boolean hasShape(int... expected) {
    return Arrays.equals(shape, expected);
  }

  /** A view with another shape, of the same size, over the same buffer. */
  public Tensor reshape(int... newShape) {
    if (checkedSize(newShape) != size) {
      throw new IllegalArgumentException(
          "cannot reshape " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
    }
    return new Tensor(data, newShape.clone());
  }

  public Tensor copy() {
    return new Tensor(Arrays.copyOf(data, size), shape.clone());
  }

  public void fill(float value) {
    Arrays.fill(data, 0, size, value);
  }

  /**
   * Returns {@code reuse} if it already has {@code shape}; a tensor of that shape over reuse's buffer if the
   * buffer is large enough (its contents are then whatever was there); otherwise a new zero tensor. Layers keep
   * their outputs between batches through this, so a steady training loop allocates nothing, and the smaller
   * last batch of an epoch and the larger ones after it do not replace every activation buffer: such churn,
   * ~80 MB per change of batch size for ref15k, went straight to the old generation and grew a run's heap to
   * gigabytes.
   */
  public static Tensor reuseOrAllocate(Tensor reuse, int... shape) {
    if (reuse != null && reuse.hasShape(shape)) {
      return reuse;
    }
    if (reuse != null && reuse.data.length >= checkedSize(shape)) {
      return new Tensor(reuse.data, shape.clone());
    }
    return zeros(shape);
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
