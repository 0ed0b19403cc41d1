package dev.clustercache.hibernate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The freshness lease of DESIGN.md §4.5, driven by a {@link FakeClock}. */
class LeaseTest {

	private static final Duration LEASE = Duration.ofSeconds(3);

	private final FakeClock clock = new FakeClock();
	private final Lease lease = new Lease(clock, LEASE.toNanos());

	@Test
	void aloneInTheView_isValidForever() {
		long since = lease.validSinceNanos();

		clock.advance(Duration.ofDays(1));

		assertThat(lease.valid()).isTrue();
		assertThat(lease.validSinceNanos()).isEqualTo(since).isEqualTo(FakeClock.START_NANOS);
		assertThat(lease.leaseNanos()).isEqualTo(LEASE.toNanos());
	}

	@Test
	void memberJoining_invalidatesUntilItAnswers() {
		lease.viewChanged(List.of("B"));
		assertThat(lease.valid()).isFalse();
		assertThat(lease.describe()).isEqualTo("expired, B never answered");

		lease.acknowledged("B", clock.nanoTime());

		assertThat(lease.valid()).isTrue();
	}

	@Test
	void forgottenMember_invalidatesAtOnce_untilItAnswersAgain() {
		lease.viewChanged(List.of("B"));
		lease.acknowledged("B", clock.nanoTime());
		lease.forget("C"); // not a member: nothing changes
		assertThat(lease.valid()).isTrue();

		lease.forget("B");
		assertThat(lease.valid()).isFalse();
		assertThat(lease.describe()).isEqualTo("expired, B never answered");

		clock.advance(Duration.ofMillis(10));
		lease.acknowledged("B", clock.nanoTime());
		assertThat(lease.valid()).isTrue();
	}

	@Test
	void everyMember_mustAnswer() {
		lease.viewChanged(List.of("B", "C"));
		lease.acknowledged("B", clock.nanoTime());
		assertThat(lease.valid()).isFalse();

		lease.acknowledged("C", clock.nanoTime());
		assertThat(lease.valid()).isTrue();
	}

	@Test
	void answer_keepsTheLeaseValidUntilSentPlusLease() {
		lease.viewChanged(List.of("B"));
		long sent = clock.nanoTime();
		clock.advance(Duration.ofMillis(200)); // the answer takes a while: the lease counts from the send
		lease.acknowledged("B", sent);

		clock.setNanoTime(sent + LEASE.toNanos() - 1);
		assertThat(lease.valid()).isTrue();

		clock.setNanoTime(sent + LEASE.toNanos());
		assertThat(lease.valid()).isFalse();
	}

	@Test
	void oldestAnswerAmongMembers_boundsTheLease() {
		lease.viewChanged(List.of("B", "C"));
		long early = clock.nanoTime();
		clock.advance(Duration.ofSeconds(1));
		long late = clock.nanoTime();
		lease.acknowledged("B", late);
		lease.acknowledged("C", early);

		clock.setNanoTime(early + LEASE.toNanos());

		assertThat(lease.valid()).isFalse();
	}

	@Test
	void answerToAnOlderHeartbeat_neverShortensTheLease() {
		lease.viewChanged(List.of("B"));
		long first = clock.nanoTime();
		clock.advance(Duration.ofSeconds(2));
		long second = clock.nanoTime();
		lease.acknowledged("B", second);
		lease.acknowledged("B", first); // answers can arrive out of order

		clock.setNanoTime(first + LEASE.toNanos());

		assertThat(lease.valid()).isTrue();
	}

	@Test
	void answerBeforeExpiry_keepsValidSinceUnchanged() {
		lease.viewChanged(List.of("B"));
		lease.acknowledged("B", clock.nanoTime());
		long sinceNanos = lease.validSinceNanos();
		long sinceTimestamp = lease.validSinceTimestamp();

		clock.advance(Duration.ofSeconds(2));
		lease.acknowledged("B", clock.nanoTime());
		clock.advance(Duration.ofSeconds(2));

		assertThat(lease.valid()).isTrue();
		assertThat(lease.validSinceNanos()).isEqualTo(sinceNanos);
		assertThat(lease.validSinceTimestamp()).isEqualTo(sinceTimestamp);
	}

	@Test
	void answerAfterExpiry_makesItValidAgainAndMovesValidSinceForward() {
		lease.viewChanged(List.of("B"));
		lease.acknowledged("B", clock.nanoTime());
		long sinceNanos = lease.validSinceNanos();
		long sinceTimestamp = lease.validSinceTimestamp();
		clock.advance(LEASE.plusSeconds(1));
		assertThat(lease.valid()).isFalse();

		long now = clock.nanoTime();
		long timestampBefore = clock.timestamp();
		lease.acknowledged("B", now);

		assertThat(lease.valid()).isTrue();
		assertThat(lease.validSinceNanos()).isEqualTo(now).isGreaterThan(sinceNanos);
		assertThat(lease.validSinceTimestamp()).isGreaterThan(timestampBefore).isGreaterThan(sinceTimestamp);
	}

	@Test
	void lateAnswerToAHeartbeatSentBeforeExpiry_isNotEnoughOnceItsLeaseHasPassed() {
		lease.viewChanged(List.of("B"));
		long sent = clock.nanoTime();
		clock.advance(LEASE.plusSeconds(1));

		lease.acknowledged("B", sent); // answered, but so late that the lease it grants is already over

		assertThat(lease.valid()).isFalse();
	}

	@Test
	void memberLeavingTheView_noLongerCounts() {
		lease.viewChanged(List.of("B", "C"));
		lease.acknowledged("B", clock.nanoTime());
		assertThat(lease.valid()).isFalse();

		lease.viewChanged(List.of("B")); // C crashed and was excluded

		assertThat(lease.valid()).isTrue();
		assertThat(lease.describe()).startsWith("valid, B answered a heartbeat sent ").doesNotContain("C");
	}

	@Test
	void memberLeavingAndRejoining_mustAnswerAgain() {
		lease.viewChanged(List.of("B"));
		lease.acknowledged("B", clock.nanoTime());
		lease.viewChanged(List.of());
		lease.viewChanged(List.of("B"));

		assertThat(lease.valid()).isFalse();
	}

	@Test
	void lastOtherMemberLeaving_makesItValidForever() {
		lease.viewChanged(List.of("B"));
		assertThat(lease.valid()).isFalse();
		clock.advance(Duration.ofSeconds(1));

		lease.viewChanged(List.of());
		clock.advance(Duration.ofDays(1));

		assertThat(lease.valid()).isTrue();
		assertThat(lease.validSinceNanos()).isEqualTo(FakeClock.START_NANOS + Duration.ofSeconds(1).toNanos());
	}

	@Test
	void restartAfterAMerge_invalidatesUntilEveryMemberAnswersAgain() {
		lease.viewChanged(List.of("B", "C"));
		lease.acknowledged("B", clock.nanoTime());
		lease.acknowledged("C", clock.nanoTime());
		assertThat(lease.valid()).isTrue();
		long sinceBefore = lease.validSinceNanos();
		clock.advance(Duration.ofSeconds(1));

		lease.restart();
		assertThat(lease.valid()).isFalse();

		lease.acknowledged("B", clock.nanoTime());
		assertThat(lease.valid()).isFalse();
		lease.acknowledged("C", clock.nanoTime());
		assertThat(lease.valid()).isTrue();
		assertThat(lease.validSinceNanos()).isEqualTo(clock.nanoTime()).isGreaterThan(sinceBefore);
	}

	@Test
	void restartAfterAMerge_ignoresAnswersToHeartbeatsSentBeforeIt() {
		lease.viewChanged(List.of("B"));
		lease.acknowledged("B", clock.nanoTime());
		long sentBeforeMerge = clock.nanoTime();
		clock.advance(Duration.ofMillis(100));

		lease.restart();
		lease.acknowledged("B", sentBeforeMerge); // a late answer to a heartbeat sent before the merge

		assertThat(lease.valid()).isFalse();
	}

	@Test
	void answersFromNonMembers_areIgnored() {
		lease.viewChanged(List.of("B"));

		lease.acknowledged("X", clock.nanoTime());
		assertThat(lease.valid()).isFalse();

		// an answer from a member that has left does not come back when it rejoins
		lease.viewChanged(List.of());
		lease.acknowledged("B", clock.nanoTime());
		lease.viewChanged(List.of("B"));
		assertThat(lease.valid()).isFalse();
	}

	@Test
	void suspended_isNotValid_andCountsNoAnswer_untilRestarted_thenOnlyAnswersToLaterHeartbeats() {
		lease.viewChanged(List.of("B"));
		long sentBefore = clock.nanoTime();
		lease.acknowledged("B", sentBefore);
		assertThat(lease.valid()).isTrue();

		lease.suspend();
		assertThat(lease.valid()).isFalse();
		clock.advance(Duration.ofMillis(10));
		lease.acknowledged("B", clock.nanoTime());
		lease.viewChanged(List.of()); // alone: would be valid at once if not suspended
		assertThat(lease.valid()).as("suspended").isFalse();

		lease.viewChanged(List.of("B"));
		clock.advance(Duration.ofMillis(10));
		long sentWhileSuspended = clock.nanoTime();
		clock.advance(Duration.ofMillis(10));
		lease.restart();
		lease.acknowledged("B", sentWhileSuspended);
		assertThat(lease.valid()).as("an answer to a heartbeat sent before the restart").isFalse();

		clock.advance(Duration.ofMillis(10));
		lease.acknowledged("B", clock.nanoTime());
		assertThat(lease.valid()).isTrue();
		assertThat(lease.validSinceNanos()).isEqualTo(clock.nanoTime());
	}
}
