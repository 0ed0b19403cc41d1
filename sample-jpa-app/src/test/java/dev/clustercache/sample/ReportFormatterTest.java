package dev.clustercache.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class ReportFormatterTest {

	private static LoadReport report(long stale, long errors, Double... ratios) {
		List<LoadReport.OperationStats> ops = new ArrayList<>();
		for (Operation op : Operation.values()) {
			ops.add(new LoadReport.OperationStats(op, 1000, op == Operation.UPDATE ? errors : 0,
					op == Operation.UPDATE ? 7 : 0, 1.25, 9.5));
		}
		List<LoadReport.NodeReport> nodes = new ArrayList<>();
		for (int i = 0; i < ratios.length; i++) {
			Double r = ratios[i];
			long hits = r == null ? 0 : Math.round(r * 1000);
			long misses = r == null ? 0 : 1000 - hits;
			nodes.add(new LoadReport.NodeReport("http://127.0.0.1:" + (8081 + i), String.valueOf((char) ('A' + i)),
					hits, misses, r, r == null ? List.of() : List.of("A", "B")));
		}
		List<StaleReadDetector.StaleRead> samples = stale == 0 ? List.of()
				: List.of(new StaleReadDetector.StaleRead("read-by-id", "http://127.0.0.1:8082",
						"product 1 read at version 4, but version 5 was acknowledged 1.0 ms before the read started", 1,
						2));
		return new LoadReport(nodes.stream().map(LoadReport.NodeReport::url).toList(), "read-mostly", 8, 42,
				Duration.ofMillis(30_000), ops, 8000, 266.7, 1.3, 12.75, nodes, 7000, stale, samples,
				errors == 0 ? List.of() : List.of("update on http://127.0.0.1:8081: HTTP 500 {}"));
	}

	@Test
	void cleanRun_showsThroughputLatencyHitRatiosAndZeroStaleReads() {
		String text = ReportFormatter.format(report(0, 0, 0.95, 0.9));

		assertThat(text).contains("8,000 operations in 30.0 s: 267 ops/s; latency p50 1.3 ms, p99 12.8 ms")
				.contains("read-mostly mix, 8 threads, seed 42")
				.containsPattern("read-by-id\\s+1,000\\s+0\\s+0\\s+1\\.3\\s+9\\.5")
				.containsPattern("A\\s+http://127.0.0.1:8081\\s+95\\.0%\\s+950\\s+50\\s+A,B")
				.containsPattern("all nodes\\s+92\\.5%")
				.contains("7 writes lost an optimistic-locking race")
				.contains("STALE READS DETECTED: 0 (of 7,000 reads checked)")
				.doesNotContain("FAILED");
	}

	@Test
	void cacheOff_showsNotApplicableAndNoCluster() {
		String text = ReportFormatter.format(report(0, 0, (Double) null));

		assertThat(text).containsPattern("A\\s+http://127.0.0.1:8081\\s+n/a\\s+0\\s+0\\s+\\(no cluster\\)")
				.containsPattern("all nodes\\s+n/a");
	}

	@Test
	void staleReadsAndErrors_areListed() {
		LoadReport r = report(3, 2, 0.5);
		String text = ReportFormatter.format(r);

		assertThat(text).contains("STALE READS DETECTED: 3")
				.contains("read-by-id on http://127.0.0.1:8082: product 1 read at version 4")
				.contains("... and 2 more")
				.contains("2 operations FAILED")
				.contains("update on http://127.0.0.1:8081: HTTP 500");
		assertThat(r.exitCode()).isEqualTo(LoadReport.EXIT_STALE_READS);
	}

	@Test
	void exitCode_isZeroWhenClean_threeOnErrorsAlone() {
		assertThat(report(0, 0, 0.9).exitCode()).isZero();
		assertThat(report(0, 1, 0.9).exitCode()).isEqualTo(LoadReport.EXIT_ERRORS);
	}
}
