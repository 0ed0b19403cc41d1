package dev.clustercache.it.multijvm;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** The rule for a missing database service: skip by default, fail when CLUSTERCACHE_REQUIRE_SERVICES=1. */
class LocalDatabasesTest {

	private static final String REASON = "MariaDB not reachable at 'jdbc:mariadb://127.0.0.1:3306/test' as 'root': "
			+ "Connection refused";

	@Test
	void missingService_skipsTheTest_whenServicesAreNotRequired() {
		assertThatThrownBy(() -> LocalDatabases.unavailable(REASON, null))
				.isInstanceOf(TestAbortedException.class)
				.hasMessageStartingWith(REASON)
				.hasMessageContaining("set CLUSTERCACHE_REQUIRE_SERVICES=1 to fail instead of skipping");
	}

	@Test
	void missingService_skipsTheTest_forAnyValueOtherThanOne() {
		assertThatThrownBy(() -> LocalDatabases.unavailable(REASON, "true")).isInstanceOf(TestAbortedException.class);
	}

	@Test
	void missingService_failsTheTest_whenServicesAreRequired() {
		assertThatThrownBy(() -> LocalDatabases.unavailable(REASON, "1"))
				.isInstanceOf(AssertionFailedError.class)
				.hasMessageStartingWith(REASON)
				.hasMessageContaining("CLUSTERCACHE_REQUIRE_SERVICES=1 requires it");
	}
}
