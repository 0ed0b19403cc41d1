package dev.clustercache.hibernate.jgroups;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** The rule for a missing local service: skip by default, fail when CLUSTERCACHE_REQUIRE_SERVICES=1. */
class LocalServicesTest {

    private static final String REASON = "PostgreSQL not reachable on 127.0.0.1:5432: Connection refused";

    @Test
    void missingService_skipsTheTest_whenServicesAreNotRequired() {
        assertThatThrownBy(() -> LocalServices.unavailable(REASON, null))
                .isInstanceOf(TestAbortedException.class)
                .hasMessageStartingWith(REASON)
                .hasMessageContaining("set CLUSTERCACHE_REQUIRE_SERVICES=1 to fail instead of skipping");
    }

    @Test
    void missingService_skipsTheTest_forAnyValueOtherThanOne() {
        assertThatThrownBy(() -> LocalServices.unavailable(REASON, "0"))
                .isInstanceOf(TestAbortedException.class);
        assertThatThrownBy(() -> LocalServices.unavailable(REASON, "true"))
                .isInstanceOf(TestAbortedException.class);
    }

    @Test
    void missingService_failsTheTest_whenServicesAreRequired() {
        assertThatThrownBy(() -> LocalServices.unavailable(REASON, "1"))
                .isInstanceOf(AssertionFailedError.class)
                .hasMessageStartingWith(REASON)
                .hasMessageContaining("CLUSTERCACHE_REQUIRE_SERVICES=1 requires it");
    }
}
