package dev.clustercache.sample;

import java.util.Locale;

/** Formats a {@link LoadReport} as the text that {@code load} and {@code cluster} print. */
public final class ReportFormatter {

	private ReportFormatter() {
	}

	public static String format(LoadReport r) {
		StringBuilder out = new StringBuilder();
		String nl = System.lineSeparator();
		double seconds = r.elapsed().toMillis() / 1000.0;
		out.append("Load report").append(nl);
		out.append(line("  nodes       %d, round-robin: %s", r.nodes().size(), String.join(", ", r.nodes()))).append(nl);
		out.append(line("  workload    %s mix, %d threads, seed %d", r.mix(), r.threads(), r.seed())).append(nl);
		out.append(line("  run         %,d operations in %.1f s: %,.0f ops/s; latency p50 %.1f ms, p99 %.1f ms",
				r.totalOperations(), seconds, r.throughput(), r.p50Millis(), r.p99Millis())).append(nl);
		out.append(nl);
		out.append(line("  %-20s %10s %8s %10s %9s %9s", "operation", "count", "errors", "conflicts", "p50 ms",
				"p99 ms")).append(nl);
		for (LoadReport.OperationStats op : r.operations()) {
			out.append(line("  %-20s %,10d %,8d %,10d %9.1f %9.1f", op.operation().label(), op.count(), op.errors(),
					op.conflicts(), op.p50Millis(), op.p99Millis())).append(nl);
		}
		out.append(nl);
		out.append(line("  %-8s %-24s %14s %12s %12s  %s", "node", "url", "read hit ratio", "cache hits",
				"cache misses", "cluster view")).append(nl);
		for (LoadReport.NodeReport n : r.nodeReports()) {
			out.append(line("  %-8s %-24s %14s %,12d %,12d  %s", n.name(), n.url(), percent(n.hitRatio()), n.hits(),
					n.misses(), n.members().isEmpty() ? "(no cluster)" : String.join(",", n.members()))).append(nl);
		}
		out.append(line("  %-33s %14s", "all nodes", percent(r.overallHitRatio()))).append(nl);
		out.append(nl);
		if (r.conflicts() > 0) {
			out.append(line("  %,d writes lost an optimistic-locking race (HTTP 409) and committed nothing: expected "
					+ "under concurrent updates.", r.conflicts())).append(nl);
		}
		if (r.errors() > 0) {
			out.append(line("  %,d operations FAILED; the first ones:", r.errors())).append(nl);
			for (String e : r.errorSamples()) {
				out.append("    ").append(e).append(nl);
			}
		}
		out.append(line("  STALE READS DETECTED: %d (of %,d reads checked)", r.staleReads(), r.checkedReads()))
				.append(nl);
		for (StaleReadDetector.StaleRead s : r.staleSamples()) {
			out.append("    ").append(s.operation()).append(" on ").append(s.node()).append(": ").append(s.detail())
					.append(nl);
		}
		if (r.staleReads() > r.staleSamples().size()) {
			out.append(line("    ... and %,d more", r.staleReads() - r.staleSamples().size())).append(nl);
		}
		return out.toString();
	}

	static String percent(Double ratio) {
		return ratio == null ? "n/a" : String.format(Locale.ROOT, "%.1f%%", ratio * 100);
	}

	private static String line(String format, Object... args) {
		return String.format(Locale.ROOT, format, args);
	}
}
