package dev.backprop.web;

/** A request the API refuses: its HTTP status and the one line that the answer's {@code {"error": ...}} carries. */
final class ApiError extends RuntimeException {
  private final int status;

  ApiError(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  int status() {
    return status;
  }
}
