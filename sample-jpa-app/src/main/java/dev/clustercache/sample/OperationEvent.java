package dev.clustercache.sample;

/**
 * One operation of a load run, as a {@link LoadOptions#listener() listener} sees it when its answer arrived (or its
 * request failed): what, on which node, when ({@link System#nanoTime()} at the send and at the answer) and how it
 * ended. Tests use it to relate latencies and failures to the faults they inject.
 */
public record OperationEvent(Operation operation, String node, long startNanos, long endNanos, Outcome outcome) {

	/** How an operation ended. */
	public enum Outcome {
		/** Answered as expected. */
		OK,
		/** A write that lost an optimistic-locking race, or found its row gone (HTTP 409 or 404): nothing committed. */
		CONFLICT,
		/** Failed: an unexpected HTTP status, or no answer (connection refused or reset, time-out). */
		ERROR
	}

	public long latencyNanos() {
		return endNanos - startNanos;
	}
}
