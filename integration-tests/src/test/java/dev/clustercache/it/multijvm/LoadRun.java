package dev.clustercache.it.multijvm;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;

import dev.clustercache.sample.LoadReport;
import dev.clustercache.sample.OperationEvent;
import dev.clustercache.sample.OperationEvent.Outcome;
import dev.clustercache.sample.ReportFormatter;

/**
 * What a {@link ScenarioLoad} saw: the sample app's report (operations, hit ratios, stale reads) and every operation
 * with its node, times and outcome, to relate failures and latencies to the faults of the scenario. Times are
 * {@link System#nanoTime()}.
 */
record LoadRun(LoadReport report, List<OperationEvent> events, long startNanos, long endNanos) {

	/** A span of time in which a node (by URL) was down or restarting, and failures on it are expected. */
	record Window(String url, long fromNanos, long toNanos) {

		boolean covers(OperationEvent e) {
			return e.node().equals(url) && e.endNanos() >= fromNanos && e.startNanos() <= toNanos;
		}
	}

	/** Operations that failed, except those that one of the {@code expected} windows covers. */
	List<OperationEvent> unexpectedErrors(List<Window> expected) {
		return events.stream()
				.filter(e -> e.outcome() == Outcome.ERROR)
				.filter(e -> expected.stream().noneMatch(w -> w.covers(e)))
				.toList();
	}

	long count(Predicate<OperationEvent> filter) {
		return events.stream().filter(filter).count();
	}

	/** The longest latency of a successful write that matches {@code filter}, in milliseconds; 0 if none. */
	long longestWriteMillis(Predicate<OperationEvent> filter) {
		return events.stream()
				.filter(e -> !e.operation().isRead() && e.outcome() == Outcome.OK)
				.filter(filter)
				.max(Comparator.comparingLong(OperationEvent::latencyNanos))
				.map(e -> e.latencyNanos() / 1_000_000)
				.orElse(0L);
	}

	/** The 99th percentile latency of successful writes that match {@code filter}, in milliseconds; 0 if none. */
	long writeP99Millis(Predicate<OperationEvent> filter) {
		long[] sorted = events.stream()
				.filter(e -> !e.operation().isRead() && e.outcome() == Outcome.OK)
				.filter(filter)
				.mapToLong(OperationEvent::latencyNanos).sorted().toArray();
		return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * 0.99) - 1)]
				/ 1_000_000;
	}

	static Predicate<OperationEvent> on(String url) {
		return e -> e.node().equals(url);
	}

	static Predicate<OperationEvent> notOn(String url) {
		return e -> !e.node().equals(url);
	}

	/** In flight at some point of [from, to]. */
	static Predicate<OperationEvent> during(long fromNanos, long toNanos) {
		return e -> e.endNanos() >= fromNanos && e.startNanos() <= toNanos;
	}

	static Predicate<OperationEvent> startedAfter(long nanos) {
		return e -> e.startNanos() >= nanos;
	}

	static Predicate<OperationEvent> ok() {
		return e -> e.outcome() == Outcome.OK;
	}

	Duration elapsed() {
		return Duration.ofNanos(endNanos - startNanos);
	}

	/** The hit ratio of one node over the run (from its restart, if it restarted), if it made cache reads. */
	Optional<Double> hitRatio(String url) {
		return report.nodeReports().stream().filter(n -> n.url().equals(url)).findFirst()
				.map(LoadReport.NodeReport::hitRatio);
	}

	/**
	 * Prints the report and the scenario's summary line:
	 * {@code MULTIJVM <db>/<scenario>: mode=invalidation nodes=3 mix=write-heavy ops=... stale=0 ...}.
	 */
	void printSummary(String scenario, String mode, String extra) {
		System.out.print(ReportFormatter.format(report));
		Double hit = report.overallHitRatio();
		System.out.println(String.format(Locale.ROOT,
				"MULTIJVM %s: mode=%s nodes=%d mix=%s ops=%d (%.0f/s) checked-reads=%d stale=%d errors=%d "
						+ "hit=%s duration=%.1fs%s",
				scenario, mode, report.nodes().size(), report.mix(), report.totalOperations(),
				report.throughput(), report.checkedReads(), report.staleReads(), report.errors(),
				hit == null ? "n/a" : String.format(Locale.ROOT, "%.1f%%", hit * 100), elapsed().toMillis() / 1000.0,
				extra.isEmpty() ? "" : " " + extra));
	}
}
