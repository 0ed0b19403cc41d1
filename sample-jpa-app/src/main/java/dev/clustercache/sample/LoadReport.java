package dev.clustercache.sample;

import java.time.Duration;
import java.util.List;

/**
 * What a load run saw: operations by kind with latencies, throughput, per-node cache hit ratios over the run, and
 * the stale reads the {@link StaleReadDetector} found.
 */
public record LoadReport(List<String> nodes, String mix, int threads, long seed, Duration elapsed,
		List<OperationStats> operations, long totalOperations, double throughput, double p50Millis, double p99Millis,
		List<NodeReport> nodeReports, long checkedReads, long staleReads, List<StaleReadDetector.StaleRead> staleSamples,
		List<String> errorSamples) {

	/** Exit code: stale reads were detected. */
	public static final int EXIT_STALE_READS = 1;
	/** Exit code: no stale read, but some operations failed (errors, not conflicts). */
	public static final int EXIT_ERRORS = 3;

	/** Counts and latencies of one kind of operation. Conflicts are writes that lost an optimistic-locking race. */
	public record OperationStats(Operation operation, long count, long errors, long conflicts, double p50Millis,
			double p99Millis) {
	}

	/**
	 * A node's cache reads during the run (entity, collection, natural-id and query regions), from its
	 * {@code /stats} before and after. {@code hitRatio} is null when the node made no cache read (cache off).
	 */
	public record NodeReport(String url, String name, long hits, long misses, Double hitRatio, List<String> members) {
	}

	public long errors() {
		return operations.stream().mapToLong(OperationStats::errors).sum();
	}

	public long conflicts() {
		return operations.stream().mapToLong(OperationStats::conflicts).sum();
	}

	/** The hit ratio of all nodes' cache reads together, or null when there were none. */
	public Double overallHitRatio() {
		long hits = nodeReports.stream().mapToLong(NodeReport::hits).sum();
		long misses = nodeReports.stream().mapToLong(NodeReport::misses).sum();
		return hits + misses == 0 ? null : (double) hits / (hits + misses);
	}

	/** 0 when clean, {@link #EXIT_STALE_READS} when a stale read was seen, else {@link #EXIT_ERRORS} on errors. */
	public int exitCode() {
		if (staleReads > 0) {
			return EXIT_STALE_READS;
		}
		return errors() > 0 ? EXIT_ERRORS : 0;
	}
}
