package dev.clustercache.it.multijvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.clustercache.sample.Mix;

/**
 * The harness's own proof that its stale-read check can fail: the healthy write-heavy scenario on nodes that each
 * keep an isolated cache ({@code hibernate.cache.clustercache.mode=local}, nothing sent between them) must report
 * stale reads. If it did not, a green multi-JVM suite would prove nothing.
 */
@Tag("multi-jvm")
class HarnessSelfTestIT {

	@RegisterExtension
	static final SampleCluster cluster = SampleCluster.of(3, () -> ClusterDatabase.H2)
			.with(Map.of("hibernate.cache.clustercache.mode", "local"), false);

	@Test
	void isolatedLocalCachesOnEveryNode_areReportedAsStaleReads() {
		LoadRun run = ScenarioLoad.run(cluster, Mix.WRITE_HEAVY, Duration.ofSeconds(15));
		run.printSummary("h2/self-test-local-mode", "local", "(the check must see stale reads: stale > 0)");

		assertThat(run.report().staleReads()).as("stale reads of isolated local caches").isPositive();
	}
}
