package dev.clustercache.it.multijvm;

import java.time.Duration;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.clustercache.sample.Mix;

/**
 * The healthy scenarios of {@link H2ClusterIT} on the local MariaDB (127.0.0.1:3306, user {@code root}, a scratch
 * database per run). Skipped when it does not answer, unless {@code CLUSTERCACHE_REQUIRE_SERVICES=1}.
 */
@Tag("multi-jvm")
class MariaDbClusterIT {

	private static final Duration LOAD = Duration.ofSeconds(10);

	@RegisterExtension
	static final SampleCluster cluster = SampleCluster.of(3, LocalDatabases::mariadb);

	@Test
	void healthyCluster_readMostly_servesNoStaleRead() {
		Scenarios.healthy(cluster, Mix.READ_MOSTLY, LOAD);
	}

	@Test
	void healthyCluster_writeHeavy_servesNoStaleRead() {
		Scenarios.healthy(cluster, Mix.WRITE_HEAVY, LOAD);
	}
}
