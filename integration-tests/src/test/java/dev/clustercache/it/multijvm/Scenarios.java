package dev.clustercache.it.multijvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import dev.clustercache.sample.Mix;

/** The scenarios that every database runs. */
final class Scenarios {

	/** The default mode, in which every scenario runs; {@link GridModeScenarios} adds the grid modes. */
	static final String MODE = "invalidation";

	private Scenarios() {
	}

	/**
	 * A healthy cluster under a bounded load of {@code mix} round-robin over all its nodes: no stale read, no
	 * failed request, and reads served from the cache (so that the check is not passed by a cache that is off).
	 */
	static LoadRun healthy(SampleCluster cluster, Mix mix, Duration duration) {
		return healthy(cluster, mix, duration, MODE);
	}

	/** {@link #healthy(SampleCluster, Mix, Duration)} on a cluster whose nodes run in {@code mode}. */
	static LoadRun healthy(SampleCluster cluster, Mix mix, Duration duration, String mode) {
		cluster.ensureWhole();
		LoadRun run = ScenarioLoad.run(cluster, mix, duration);
		run.printSummary(cluster.databaseLabel() + "/healthy-" + mix.label() + (mode.equals(MODE) ? "" : "-" + mode),
				mode, "");
		assertThat(run.report().staleReads()).as("stale reads (see the report above)").isZero();
		assertThat(run.report().errors()).as("failed operations: %s", run.report().errorSamples()).isZero();
		assertThat(run.report().checkedReads()).as("reads checked").isPositive();
		assertThat(run.report().overallHitRatio()).as("hit ratio of all nodes").isNotNull()
				.isGreaterThan(mix == Mix.READ_MOSTLY ? 0.5 : 0.05);
		return run;
	}
}
