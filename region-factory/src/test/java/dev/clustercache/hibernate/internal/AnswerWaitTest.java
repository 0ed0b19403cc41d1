package dev.clustercache.hibernate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A writer spins for the answers to its openings while answers come within the spin limit, and stops spinning where
 * they do not (a clock that the test moves: each reading is 10 µs after the one before).
 */
@Timeout(10)
class AnswerWaitTest {

	private static final long STEP = 10_000;

	private final AtomicLong now = new AtomicLong();
	private final AtomicInteger readings = new AtomicInteger();
	private final AnswerWait wait = new AnswerWait(true, () -> {
		readings.incrementAndGet();
		return now.addAndGet(STEP);
	});

	/** An answer that arrives after the clock was read {@code readingsBefore} more times. */
	private CompletableFuture<Object> answerAfter(int readingsBefore) {
		int at = readings.get() + readingsBefore;
		return new CompletableFuture<>() {
			@Override
			public boolean isDone() {
				if (readings.get() >= at) {
					complete("answer");
				}
				return super.isDone();
			}
		};
	}

	@Test
	void answerWithinTheSpin_isSeenWithoutParking() {
		CompletableFuture<Object> answer = answerAfter(3);

		assertThat(wait.spinFor(answer)).isTrue();
		assertThat(wait.spinning()).isTrue();
	}

	@Test
	void spinRunsOut_afterTheLimit_andTheWriterParks() {
		CompletableFuture<Object> never = new CompletableFuture<>();

		assertThat(wait.spinFor(never)).isFalse();
		assertThat((readings.get() - 1) * STEP).as("time spun").isGreaterThanOrEqualTo(AnswerWait.SPIN_NANOS)
				.isLessThan(AnswerWait.SPIN_NANOS + 2 * STEP);
	}

	@Test
	void slowAnswers_stopTheSpinning_whichIsTriedAgainEverySoOften() {
		CompletableFuture<Object> never = new CompletableFuture<>();
		for (int i = 0; i < 5 && wait.spinning(); i++) {
			wait.spinFor(never);
		}
		assertThat(wait.spinning()).as("spinning after slow answers").isFalse();

		int before = readings.get();
		for (int i = 1; i < AnswerWait.RETRY_EVERY; i++) {
			assertThat(wait.spinFor(never)).isFalse();
		}
		assertThat(readings.get()).as("clock readings while not spinning").isEqualTo(before);

		assertThat(wait.spinFor(answerAfter(2))).as("the try after " + AnswerWait.RETRY_EVERY + " waits").isTrue();
		assertThat(wait.spinning()).as("a fast answer again").isTrue();
	}

	@Test
	void oneProcessor_neverSpins() {
		AnswerWait single = new AnswerWait(false, () -> {
			readings.incrementAndGet();
			return now.addAndGet(STEP);
		});

		assertThat(single.spinFor(new CompletableFuture<>())).isFalse();
		assertThat(readings.get()).isZero();
		assertThat(single.spinning()).isFalse();
	}

	@Test
	void answerAlreadyThere_readsNoClock() {
		assertThat(wait.spinFor(CompletableFuture.completedFuture("answer"))).isTrue();
		assertThat(readings.get()).isZero();
	}
}
