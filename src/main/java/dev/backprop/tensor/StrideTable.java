package dev.backprop.tensor;

/**
 * The index table {0, stride, 2 stride, ...}: the row starts of a strided matrix as a table, for code that takes
 * rows or columns through one. Each owner keeps its own per-thread table, since one product may need two at once.
 * A table is refilled only when a call needs more entries or another stride than the last one, so a steady loop of
 * calls neither allocates nor rewrites it.
 */
final class StrideTable {

  /** One thread's table: entries below {@code count} hold r * {@code stride}. */
  private static final class Table {
    int[] starts = new int[0];
    int count;
    int stride;
  }

  private final ThreadLocal<Table> tables = ThreadLocal.withInitial(Table::new);

  /**
   * This thread's table with entry r = r * stride for r &lt; count (it may be longer). The caller reads it during
   * one product and does not keep it: the next call of this thread may overwrite it. count * stride must fit in
   * an int, which holds for the row starts of any matrix that fits in an array.
   */
  int[] of(int count, int stride) {
    Table table = tables.get();
    if (table.stride != stride || table.count < count) {
      if (table.starts.length < count) {
        table.starts = new int[count];
      }
      for (int r = 0; r < count; r++) {
        table.starts[r] = r * stride;
      }
      table.count = count;
      table.stride = stride;
    }
    return table.starts;
  }
}
