package dev.clustercache.sample;

/**
 * A failure the user can fix: its message is one line that says what failed and how to fix it, and it is printed
 * as is, without a stack trace.
 */
public final class SampleException extends RuntimeException {

	/** The exit code for bad input or an environment that does not let the command run. */
	public static final int EXIT_BAD_INPUT = 2;

	private final int exitCode;

	public SampleException(String message) {
		this(message, null);
	}

	public SampleException(String message, Throwable cause) {
		super(message, cause);
		this.exitCode = EXIT_BAD_INPUT;
	}

	public int exitCode() {
		return exitCode;
	}
}
