package dev.clustercache.hibernate.internal;

import java.util.concurrent.Future;
import java.util.function.LongSupplier;

/**
 * How a writer waits for the other members' answers to its write windows' openings, right before its commit: it spins
 * for up to {@value #SPIN_NANOS} ns before it parks, when answers have come that fast lately.
 * <p>
 * Why: a parked thread is woken by the thread that reads the answer off the network, through the kernel: on a
 * virtual machine a wake-up and the switch back cost tens of microseconds, as much as the rest of the round trip. A
 * writer that spins sees the answer arrive and goes on at once. Measured on {@code updateCommit} (two nodes on the
 * loopback stack, 2 cores, interleaved forks): 5.4, 6.0 and 7.2 k ops/s parking at once, 10.7, 9.2 and 9.5 k
 * spinning up to 60 µs (BENCHMARKS.md).
 * <p>
 * Spinning only pays where answers come within the limit, as on one machine or a fast LAN, and it takes a core from
 * other work. So it adapts: each spin that sees the answer earns a credit, each that runs out loses half of them, and
 * a writer spins only with a credit; without one, it tries again every {@value #RETRY_EVERY}th wait, so that a network
 * that became fast again is noticed. It never spins on a machine with one processor, where the answer cannot be read
 * while it spins. The credit is shared by the node's writers and updated without a lock: a lost update only changes
 * how long one writer spins.
 */
final class AnswerWait {

	/** The longest a writer spins before it parks. */
	static final long SPIN_NANOS = 100_000;
	static final int MAX_CREDIT = 16;
	static final int RETRY_EVERY = 64;

	private final boolean multiProcessor;
	private final LongSupplier nanoTime;
	private volatile int credit = MAX_CREDIT / 4;
	/** Waits without a credit since the last try; counted without a lock. */
	private int withoutCredit;

	AnswerWait() {
		this(Runtime.getRuntime().availableProcessors() > 1, System::nanoTime);
	}

	AnswerWait(boolean multiProcessor, LongSupplier nanoTime) {
		this.multiProcessor = multiProcessor;
		this.nanoTime = nanoTime;
	}

	/**
	 * Spins until {@code answer} is done or the spin runs out; the caller then gets the answer (parking if it is not
	 * done yet).
	 *
	 * @return whether the answer is done
	 */
	boolean spinFor(Future<?> answer) {
		if (answer.isDone()) {
			return true;
		}
		if (!multiProcessor) {
			return false;
		}
		int c = credit;
		if (c <= 0 && ++withoutCredit % RETRY_EVERY != 0) {
			return false;
		}
		long started = nanoTime.getAsLong();
		while (!answer.isDone()) {
			if (nanoTime.getAsLong() - started >= SPIN_NANOS) {
				credit = c / 2;
				return false;
			}
			Thread.onSpinWait();
		}
		credit = Math.min(MAX_CREDIT, Math.max(c, 0) + 1);
		return true;
	}

	/** Whether the next wait would spin, if it had to wait (for tests). */
	boolean spinning() {
		return multiProcessor && credit > 0;
	}
}
