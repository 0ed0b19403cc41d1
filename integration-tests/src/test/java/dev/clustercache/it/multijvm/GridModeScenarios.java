package dev.clustercache.it.multijvm;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.clustercache.sample.Mix;

/**
 * The healthy scenarios on three node JVMs whose regions are all in one grid mode ({@code replicated} or
 * {@code distributed}, issue 4), on H2 in server mode: no stale read, no failed request, reads served from the cache.
 */
abstract class GridModeScenarios {

	private static final Duration LOAD = Duration.ofSeconds(10);

	/** Three nodes with every region in {@code mode}. */
	static SampleCluster inMode(String mode) {
		return SampleCluster.of(3, () -> ClusterDatabase.H2)
				.with(Map.of("hibernate.cache.clustercache.mode", mode), true);
	}

	abstract SampleCluster cluster();

	abstract String mode();

	@Test
	void healthyCluster_readMostly_servesNoStaleRead() {
		Scenarios.healthy(cluster(), Mix.READ_MOSTLY, LOAD, mode());
	}

	@Test
	void healthyCluster_writeHeavy_servesNoStaleRead() {
		Scenarios.healthy(cluster(), Mix.WRITE_HEAVY, LOAD, mode());
	}
}
