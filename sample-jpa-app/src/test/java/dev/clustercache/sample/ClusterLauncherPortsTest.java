package dev.clustercache.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The ports the launcher gives its nodes never collide: nodes that start side by side cannot be given the same one. */
class ClusterLauncherPortsTest {

	@Test
	void theNodesHttpPorts_areDistinct_andNeverAJGroupsPortOrItsFailureDetectionPort() {
		for (int round = 0; round < 20; round++) {
			List<Integer> jgroups = ClusterLauncher.freeJGroupsPorts(3);
			List<Integer> http = ClusterLauncher.freeHttpPorts(5, jgroups);
			assertThat(http).hasSize(5).doesNotHaveDuplicates();
			for (int p : jgroups) {
				assertThat(http).doesNotContain(p, p + 100);
			}
		}
	}
}
