package dev.backprop;

/**
 * A mistake in what the user asked for: reported as one line on stderr with exit code 2, no stack trace.
 * Thrown from anywhere below a command (option validation, unreadable files, refused overwrites).
 */
public final class UserError extends RuntimeException {
  public UserError(String message) {
    super(message);
  }

  public UserError(String message, Throwable cause) {
    super(message, cause);
  }
}
