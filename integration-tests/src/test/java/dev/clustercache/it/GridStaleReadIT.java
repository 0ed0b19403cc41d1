package dev.clustercache.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.clustercache.it.GridClusterIT.Mode;

/**
 * The concurrent stale-read check of {@link ConcurrentStaleReadIT} (threads on three nodes reading and writing a few
 * hot rows, every read checked against the writes completed before it began) on replicated and distributed regions.
 */
class GridStaleReadIT {

	@ParameterizedTest
	@EnumSource(Mode.class)
	void readsOnThreeNodesUnderConcurrentWrites_areNeverStale(Mode mode) throws Exception {
		try (TestCluster cluster = TestCluster.start(GridStaleReadIT.class, 3, mode.settings)) {
			List<String> stale = ConcurrentStaleReadIT.runWorkload(cluster);
			System.out.printf("MEASURED: mode %s, %d stale reads%n", mode, stale.size());
			assertThat(stale).as("stale reads").isEmpty();
		}
	}
}
