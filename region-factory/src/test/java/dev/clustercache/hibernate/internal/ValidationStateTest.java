package dev.clustercache.hibernate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

/**
 * The put-from-load protocol of DESIGN.md §4.1, one rule per test. Each race is made deterministic by calling the
 * methods in the order the race would interleave them, on a {@link FakeClock}.
 */
class ValidationStateTest {

	private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(60);
	private static final Duration LEASE = Duration.ofSeconds(3);
	private static final Predicate<Object> ALWAYS = cached -> true;
	private static final Object KEY = "Item#1";
	private static final Object OTHER_KEY = "Item#2";
	private static final Object SESSION = "session-1";
	private static final Object OTHER_SESSION = "session-2";
	private static final Writer W1 = new Writer("A", 1);
	private static final Writer W2 = new Writer("B", 1);

	private final FakeClock clock = new FakeClock();
	private final MapStore store = new MapStore();
	private final ValidationState state = new ValidationState(clock, store, LOCK_TIMEOUT.toNanos());
	/** Alone in its view: always valid. */
	private final Lease lease = new Lease(clock, LEASE.toNanos());

	private PutOutcome loadedPut(Object session, Object key, Object value) {
		return state.putFromLoad(session, key, value, clock.transactionStart(), lease, ALWAYS);
	}

	private PutOutcome nakedPut(Object key, Object value, long txTimestamp) {
		return state.putFromLoad(SESSION, key, value, txTimestamp, lease, ALWAYS);
	}

	// ---- pending loads

	@Test
	void pendingLoad_withNoWriteSinceTheMiss_isPut() {
		state.registerPendingLoad(SESSION, KEY);

		assertThat(loadedPut(SESSION, KEY, "v1")).isEqualTo(PutOutcome.PUT);
		assertThat(store.get(KEY)).isEqualTo("v1");
	}

	@Test
	void writeBeginningAfterTheMiss_voidsThePendingLoad_evenAfterTheWriteEnded() {
		state.registerPendingLoad(SESSION, KEY);
		// the load read the old row; meanwhile a write begins, commits and ends
		ValidationState.WriteToken token = state.beginWrite(KEY, W1);
		state.endWrite(KEY, W1, null, token);

		assertThat(loadedPut(SESSION, KEY, "old")).isEqualTo(PutOutcome.REJECTED_STALE_LOAD);
		assertThat(store.containsKey(KEY)).isFalse();
	}

	@Test
	void writeEndingWithoutABeginSeenHere_voidsThePendingLoad() {
		// this node joined after the window opened elsewhere: only the end arrives
		state.registerPendingLoad(SESSION, KEY);
		state.endWrite(KEY, W1, null, null);

		assertThat(loadedPut(SESSION, KEY, "old")).isEqualTo(PutOutcome.REJECTED_STALE_LOAD);
		assertThat(store.containsKey(KEY)).isFalse();
	}

	@Test
	void evictionOfTheKey_voidsThePendingLoad() {
		state.registerPendingLoad(SESSION, KEY);
		state.invalidate(KEY);

		assertThat(loadedPut(SESSION, KEY, "old")).isEqualTo(PutOutcome.REJECTED_STALE_LOAD);
	}

	@Test
	void writeOnAnotherKey_doesNotVoidThePendingLoad() {
		state.registerPendingLoad(SESSION, KEY);
		state.endWrite(OTHER_KEY, W1, null, state.beginWrite(OTHER_KEY, W1));

		assertThat(loadedPut(SESSION, KEY, "v1")).isEqualTo(PutOutcome.PUT);
	}

	@Test
	void pendingLoadOfOneSession_isNotVoidedByAnotherSessionsPut() {
		state.registerPendingLoad(SESSION, KEY);
		state.registerPendingLoad(OTHER_SESSION, KEY);

		assertThat(loadedPut(OTHER_SESSION, KEY, "v1")).isEqualTo(PutOutcome.PUT);
		assertThat(loadedPut(SESSION, KEY, "v1")).isEqualTo(PutOutcome.PUT);
	}

	// ---- write windows

	@Test
	void putWhileAWriteWindowIsOpen_isRejectedAsWriteInProgress() {
		state.beginWrite(KEY, W1);
		state.registerPendingLoad(SESSION, KEY);

		assertThat(state.writeInProgress(KEY)).isTrue();
		assertThat(loadedPut(SESSION, KEY, "v1")).isEqualTo(PutOutcome.REJECTED_WRITE_IN_PROGRESS);
		assertThat(nakedPut(KEY, "v1", clock.transactionStart())).isEqualTo(PutOutcome.REJECTED_WRITE_IN_PROGRESS);
		assertThat(store.containsKey(KEY)).isFalse();
	}

	@Test
	void beginWrite_dropsTheCachedEntry() {
		store.put(KEY, "v1");
		store.put(OTHER_KEY, "other");

		state.beginWrite(KEY, W1);

		assertThat(store.containsKey(KEY)).isFalse();
		assertThat(store.get(OTHER_KEY)).isEqualTo("other");
	}

	@Test
	void loadRegisteredDuringAWindow_isVoidedByTheWindowsEnd() {
		ValidationState.WriteToken token = state.beginWrite(KEY, W1);
		state.registerPendingLoad(SESSION, KEY);
		state.endWrite(KEY, W1, null, token);

		assertThat(loadedPut(SESSION, KEY, "old")).isEqualTo(PutOutcome.REJECTED_STALE_LOAD);
	}

	@Test
	void newLoadRegisteredAfterTheWindowEnded_isPut_soARolledBackWriteLeavesTheKeyCacheable() {
		ValidationState.WriteToken token = state.beginWrite(KEY, W1);
		state.endWrite(KEY, W1, null, token); // rolled back: no committed value
		assertThat(state.writeInProgress(KEY)).isFalse();

		state.registerPendingLoad(SESSION, KEY);

		assertThat(loadedPut(SESSION, KEY, "v1")).isEqualTo(PutOutcome.PUT);
		assertThat(store.get(KEY)).isEqualTo("v1");
	}

	@Test
	void pendingLoad_isConsumedByItsPut() {
		state.registerPendingLoad(SESSION, KEY);
		long txBeforeWrite = clock.transactionStart();
		state.endWrite(KEY, W1, null, state.beginWrite(KEY, W1));
		assertThat(state.putFromLoad(SESSION, KEY, "old", txBeforeWrite, lease, ALWAYS))
				.isEqualTo(PutOutcome.REJECTED_STALE_LOAD);

		// the same session puts again without a new miss: a naked put, judged by its transaction start
		assertThat(state.putFromLoad(SESSION, KEY, "old", txBeforeWrite, lease, ALWAYS))
				.isEqualTo(PutOutcome.REJECTED_STALE_LOAD);
		assertThat(state.putFromLoad(SESSION, KEY, "new", clock.transactionStart(), lease, ALWAYS))
				.isEqualTo(PutOutcome.PUT);
	}

	// ---- naked puts

	@Test
	void nakedPut_onAKeyNeverWritten_isPut() {
		assertThat(nakedPut(KEY, "v1", clock.transactionStart())).isEqualTo(PutOutcome.PUT);
		assertThat(store.get(KEY)).isEqualTo("v1");
	}

	@Test
	void nakedPut_fromATransactionStartedBeforeTheLastWriteEnded_isRejected() {
		long txStart = clock.transactionStart();
		state.endWrite(KEY, W1, null, state.beginWrite(KEY, W1));

		assertThat(nakedPut(KEY, "old", txStart)).isEqualTo(PutOutcome.REJECTED_STALE_LOAD);
		assertThat(store.containsKey(KEY)).isFalse();
	}

	@Test
	void nakedPut_fromATransactionStartedDuringTheWindow_isRejectedAfterItEnds() {
		ValidationState.WriteToken token = state.beginWrite(KEY, W1);
		long txStart = clock.transactionStart();
		state.endWrite(KEY, W1, null, token);

		assertThat(nakedPut(KEY, "old", txStart)).isEqualTo(PutOutcome.REJECTED_STALE_LOAD);
	}

	@Test
	void nakedPut_fromATransactionStartedAfterTheLastWriteEnded_isPut() {
		state.endWrite(KEY, W1, null, state.beginWrite(KEY, W1));
		long txStart = clock.transactionStart();

		assertThat(nakedPut(KEY, "new", txStart)).isEqualTo(PutOutcome.PUT);
		assertThat(store.get(KEY)).isEqualTo("new");
	}

	/**
	 * Two write windows on one key end at once (two end-write messages handled on two threads). The window that took
	 * its end timestamp first reaches the key last. A naked put from a transaction that started between the two ends,
	 * before the second write ended and so possibly before it committed, must still be rejected: the key's last write
	 * end must not move backwards.
	 */
	@Test
	void lastWriteEnd_neverMovesBackwards_whenTwoEndWritesRace() throws Exception {
		PausingClock pausing = new PausingClock(clock);
		MapStore raceStore = new MapStore();
		ValidationState raceState = new ValidationState(pausing, raceStore, LOCK_TIMEOUT.toNanos());
		Lease raceLease = new Lease(pausing, LEASE.toNanos());
		ValidationState.WriteToken t1 = raceState.beginWrite(KEY, W1);
		ValidationState.WriteToken t2 = raceState.beginWrite(KEY, W2);

		ExecutorService executor = Executors.newSingleThreadExecutor();
		try {
			pausing.pauseNextTimestamp();
			// W1's end takes its timestamp, then stops before touching the key
			Future<?> firstEnd = executor.submit(() -> raceState.endWrite(KEY, W1, null, t1));
			assertThat(pausing.paused.await(10, TimeUnit.SECONDS)).isTrue();
			// a transaction starts and reads the row before W2 committed; W2 then commits and ends
			long txStart = pausing.timestamp();
			raceState.endWrite(KEY, W2, null, t2);
			// W1's end reaches the key last
			pausing.resume.countDown();
			firstEnd.get(10, TimeUnit.SECONDS);

			assertThat(raceState.putFromLoad(SESSION, KEY, "old", txStart, raceLease, ALWAYS))
					.isEqualTo(PutOutcome.REJECTED_STALE_LOAD);
			assertThat(raceStore.containsKey(KEY)).isFalse();
		}
		finally {
			pausing.resume.countDown();
			executor.shutdownNow();
		}
	}

	// ---- region-wide windows

	@Test
	void regionWindow_blocksPutsOnEveryKeyUntilItEnds() {
		state.beginRegionWrite(W1);
		state.registerPendingLoad(SESSION, OTHER_KEY);

		assertThat(state.writeInProgress(KEY)).isTrue();
		assertThat(nakedPut(KEY, "v1", clock.transactionStart())).isEqualTo(PutOutcome.REJECTED_WRITE_IN_PROGRESS);
		assertThat(loadedPut(SESSION, OTHER_KEY, "v2")).isEqualTo(PutOutcome.REJECTED_WRITE_IN_PROGRESS);

		state.endRegionWrite(W1);
		assertThat(state.writeInProgress(KEY)).isFalse();
		assertThat(nakedPut(KEY, "v1", clock.transactionStart())).isEqualTo(PutOutcome.PUT);
	}

	@Test
	void regionWindow_voidsPendingLoadsOnEveryKey() {
		state.registerPendingLoad(SESSION, KEY);
		state.registerPendingLoad(OTHER_SESSION, OTHER_KEY);

		state.beginRegionWrite(W1);
		state.endRegionWrite(W1);

		assertThat(loadedPut(SESSION, KEY, "old")).isEqualTo(PutOutcome.REJECTED_STALE_LOAD);
		assertThat(loadedPut(OTHER_SESSION, OTHER_KEY, "old")).isEqualTo(PutOutcome.REJECTED_STALE_LOAD);
		assertThat(store.size()).isZero();
	}

	@Test
	void regionWindow_clearsTheStoreWhenItOpensAndWhenItEnds() {
		store.put(KEY, "v1");
		store.put(OTHER_KEY, "v2");

		state.beginRegionWrite(W1);
		assertThat(store.size()).isZero();

		store.put(KEY, "written meanwhile by a non-protocol path");
		state.endRegionWrite(W1);
		assertThat(store.size()).isZero();
	}

	@Test
	void nakedPut_fromATransactionStartedBeforeARegionWindowEnded_isRejected() {
		long txStart = clock.transactionStart();
		state.beginRegionWrite(W1);
		state.endRegionWrite(W1);

		assertThat(nakedPut(KEY, "old", txStart)).isEqualTo(PutOutcome.REJECTED_STALE_LOAD);
		assertThat(nakedPut(KEY, "new", clock.transactionStart())).isEqualTo(PutOutcome.PUT);
	}

	@Test
	void loadRegisteredAfterARegionWindowEnded_isPut() {
		state.beginRegionWrite(W1);
		state.endRegionWrite(W1);
		state.registerPendingLoad(SESSION, KEY);

		assertThat(loadedPut(SESSION, KEY, "v1")).isEqualTo(PutOutcome.PUT);
	}

	@Test
	void reset_voidsPendingLoadsAndClearsButKeepsOpenWindowsOpen() {
		store.put(OTHER_KEY, "v2");
		state.registerPendingLoad(OTHER_SESSION, OTHER_KEY);
		state.beginWrite(KEY, W1);

		state.reset();

		assertThat(store.size()).isZero();
		assertThat(loadedPut(OTHER_SESSION, OTHER_KEY, "old")).isEqualTo(PutOutcome.REJECTED_STALE_LOAD);
		assertThat(state.writeInProgress(KEY)).isTrue();
	}

	// ---- caching the committed value

	@Test
	void endWrite_cachesTheCommittedValue_whenItsWriterWasTheOnlyChange() {
		ValidationState.WriteToken token = state.beginWrite(KEY, W1);

		assertThat(state.endWrite(KEY, W1, "v2", token)).isTrue();
		assertThat(store.get(KEY)).isEqualTo("v2");
		assertThat(state.writeInProgress(KEY)).isFalse();
	}

	@Test
	void endWrite_withoutACommittedValue_cachesNothing() {
		store.put(KEY, "v1");
		ValidationState.WriteToken token = state.beginWrite(KEY, W1);

		assertThat(state.endWrite(KEY, W1, null, token)).isFalse();
		assertThat(store.containsKey(KEY)).isFalse();
	}

	@Test
	void twoConcurrentWriters_neitherCachesItsValue() {
		ValidationState.WriteToken t1 = state.beginWrite(KEY, W1);
		ValidationState.WriteToken t2 = state.beginWrite(KEY, W2);

		assertThat(state.endWrite(KEY, W1, "v1", t1)).isFalse();
		assertThat(state.endWrite(KEY, W2, "v2", t2)).isFalse();
		assertThat(store.containsKey(KEY)).isFalse();
	}

	@Test
	void writerOverlappingAnEarlierWriterThatEnded_doesNotCache() {
		ValidationState.WriteToken t1 = state.beginWrite(KEY, W1);
		ValidationState.WriteToken t2 = state.beginWrite(KEY, W2);
		state.endWrite(KEY, W1, null, t1);

		// W2 is alone now, but W1 may have committed after W2's value was computed
		assertThat(state.endWrite(KEY, W2, "v2", t2)).isFalse();
		assertThat(store.containsKey(KEY)).isFalse();
	}

	@Test
	void foreignInvalidationDuringTheWindow_preventsCaching() {
		ValidationState.WriteToken token = state.beginWrite(KEY, W1);
		state.invalidate(KEY);

		assertThat(state.endWrite(KEY, W1, "v2", token)).isFalse();
		assertThat(store.containsKey(KEY)).isFalse();
	}

	@Test
	void regionWindowDuringTheKeysWindow_preventsCaching() {
		ValidationState.WriteToken token = state.beginWrite(KEY, W1);
		state.beginRegionWrite(W2);
		state.endRegionWrite(W2);

		assertThat(state.endWrite(KEY, W1, "v2", token)).isFalse();
		assertThat(store.containsKey(KEY)).isFalse();
	}

	@Test
	void endWriteWhileARegionWindowIsOpen_doesNotCache() {
		ValidationState.WriteToken token = state.beginWrite(KEY, W1);
		state.beginRegionWrite(W2);

		assertThat(state.endWrite(KEY, W1, "v2", token)).isFalse();
		assertThat(store.containsKey(KEY)).isFalse();
	}

	// ---- leaks: ends that never arrive, records that are never put

	@Test
	void writeWindowWhoseEndNeverArrives_expiresAfterTheLockTimeout() {
		state.beginWrite(KEY, W1);

		clock.advance(LOCK_TIMEOUT.minusSeconds(1));
		state.registerPendingLoad(SESSION, KEY);
		assertThat(loadedPut(SESSION, KEY, "v1")).isEqualTo(PutOutcome.REJECTED_WRITE_IN_PROGRESS);

		clock.advance(Duration.ofSeconds(2));
		assertThat(state.writeInProgress(KEY)).isFalse();
		state.registerPendingLoad(SESSION, KEY);
		assertThat(loadedPut(SESSION, KEY, "v1")).isEqualTo(PutOutcome.PUT);
		assertThat(store.get(KEY)).isEqualTo("v1");
	}

	@Test
	void openWindows_countsEveryWindowUntilItEndsOrExpires() {
		state.beginWrite(KEY, W1);
		state.beginWrite(KEY, W2);
		state.beginWrite(OTHER_KEY, W1);
		state.beginRegionWrite(W2);
		assertThat(state.openWindows()).isEqualTo(4);

		state.endWrite(KEY, W1, null, null);
		state.endWrite(KEY, W1, null, null); // an end seen twice, or of a window never seen here, changes nothing
		state.endRegionWrite(W2);
		assertThat(state.openWindows()).isEqualTo(2);

		clock.advance(LOCK_TIMEOUT.plusSeconds(1));
		assertThat(state.writeInProgress(KEY)).isFalse();
		assertThat(state.writeInProgress(OTHER_KEY)).isFalse();
		assertThat(state.openWindows()).isZero();
	}

	@Test
	void loadRegisteredBeforeAWindowWhoseEndNeverArrives_staysVoidAfterExpiry() {
		state.registerPendingLoad(SESSION, KEY);
		state.beginWrite(KEY, W1);

		clock.advance(LOCK_TIMEOUT.plusSeconds(1));

		assertThat(loadedPut(SESSION, KEY, "old")).isEqualTo(PutOutcome.REJECTED_STALE_LOAD);
	}

	@Test
	void regionWindowWhoseEndNeverArrives_expiresAfterTheLockTimeout() {
		state.beginRegionWrite(W1);
		clock.advance(LOCK_TIMEOUT.minusSeconds(1));
		assertThat(nakedPut(KEY, "v1", clock.transactionStart())).isEqualTo(PutOutcome.REJECTED_WRITE_IN_PROGRESS);

		clock.advance(Duration.ofSeconds(2));

		assertThat(state.writeInProgress(KEY)).isFalse();
		assertThat(nakedPut(KEY, "v1", clock.transactionStart())).isEqualTo(PutOutcome.PUT);
	}

	@Test
	void purge_forgetsOldRecords_butANakedPutOlderThanTheirLastWriteEndIsStillRejected() {
		long txBeforeWrite = clock.transactionStart();
		state.endWrite(KEY, W1, null, state.beginWrite(KEY, W1));
		assertThat(state.recordCount()).isEqualTo(1);

		clock.advance(LOCK_TIMEOUT.plusSeconds(1));
		state.purge(clock.nanoTime());

		assertThat(state.recordCount()).isZero();
		assertThat(nakedPut(KEY, "old", txBeforeWrite)).isEqualTo(PutOutcome.REJECTED_STALE_LOAD);
		assertThat(nakedPut(KEY, "new", clock.transactionStart())).isEqualTo(PutOutcome.PUT);
	}

	@Test
	void purge_forgetsOnlyRecordsUntouchedForTheRetention() {
		state.beginWrite(KEY, W1); // never ends
		clock.advance(LOCK_TIMEOUT.minusSeconds(10));
		state.registerPendingLoad(SESSION, OTHER_KEY);
		clock.advance(Duration.ofSeconds(20));

		state.purge(clock.nanoTime());

		// KEY's window has expired and nothing touched it since: forgotten; OTHER_KEY was touched 20s ago: kept
		assertThat(state.recordCount()).isEqualTo(1);
		assertThat(loadedPut(SESSION, OTHER_KEY, "v2")).isEqualTo(PutOutcome.PUT);
	}

	@Test
	void purge_keepsARecordWhoseWindowIsStillOpen() {
		state.beginWrite(KEY, W1);
		clock.advance(LOCK_TIMEOUT); // the window is open for exactly the lock timeout: not yet expired

		state.purge(clock.nanoTime());

		assertThat(state.recordCount()).isEqualTo(1);
		assertThat(state.writeInProgress(KEY)).isTrue();
	}

	@Test
	void recordsOfKeysNeverPut_arePurgedOnTheirOwn() {
		for (int i = 0; i < 100; i++) {
			state.registerPendingLoad(SESSION, "Item#" + i);
		}
		assertThat(state.recordCount()).isEqualTo(100);

		clock.advance(LOCK_TIMEOUT.plusSeconds(1));
		state.registerPendingLoad(SESSION, KEY); // any later miss triggers the purge

		assertThat(state.recordCount()).isEqualTo(1);
	}

	// ---- the freshness lease

	@Test
	void putWhileTheLeaseIsNotValid_isRejected() {
		Lease notValid = new Lease(clock, LEASE.toNanos());
		notValid.viewChanged(List.of("B")); // B joined and has not answered yet
		state.registerPendingLoad(SESSION, KEY);

		assertThat(state.putFromLoad(SESSION, KEY, "v1", clock.transactionStart(), notValid, ALWAYS))
				.isEqualTo(PutOutcome.REJECTED_LEASE);
		assertThat(state.putFromLoad(SESSION, OTHER_KEY, "v2", clock.transactionStart(), notValid, ALWAYS))
				.isEqualTo(PutOutcome.REJECTED_LEASE);
		assertThat(store.size()).isZero();
	}

	@Test
	void pendingLoadRegisteredBeforeTheLeaseBecameValidAgain_isRejected() {
		Lease l = new Lease(clock, LEASE.toNanos());
		l.viewChanged(List.of("B"));
		l.acknowledged("B", clock.nanoTime());
		state.registerPendingLoad(SESSION, KEY);
		clock.advance(LEASE.plusSeconds(1)); // B's answers stop: this node may have missed invalidations
		assertThat(l.valid()).isFalse();
		l.acknowledged("B", clock.nanoTime());
		assertThat(l.valid()).isTrue();

		assertThat(state.putFromLoad(SESSION, KEY, "old", clock.transactionStart(), l, ALWAYS))
				.isEqualTo(PutOutcome.REJECTED_LEASE);
		state.registerPendingLoad(SESSION, KEY);
		assertThat(state.putFromLoad(SESSION, KEY, "new", clock.transactionStart(), l, ALWAYS))
				.isEqualTo(PutOutcome.PUT);
	}

	@Test
	void pendingLoadRegisteredWhileTheLeaseHeld_isPut() {
		Lease l = new Lease(clock, LEASE.toNanos());
		l.viewChanged(List.of("B"));
		l.acknowledged("B", clock.nanoTime());
		clock.advance(Duration.ofSeconds(1));
		state.registerPendingLoad(SESSION, KEY);
		clock.advance(Duration.ofSeconds(1));
		l.acknowledged("B", clock.nanoTime()); // renewed before expiry: validity unbroken

		assertThat(state.putFromLoad(SESSION, KEY, "v1", clock.transactionStart(), l, ALWAYS))
				.isEqualTo(PutOutcome.PUT);
	}

	@Test
	void nakedPutFromATransactionStartedBeforeTheLeaseBecameValidAgain_isRejected() {
		Lease l = new Lease(clock, LEASE.toNanos());
		l.viewChanged(List.of("B"));
		long txWhileInvalid = clock.transactionStart();
		clock.advance(Duration.ofMillis(1));
		l.acknowledged("B", clock.nanoTime());

		assertThat(state.putFromLoad(SESSION, KEY, "old", txWhileInvalid, l, ALWAYS))
				.isEqualTo(PutOutcome.REJECTED_LEASE);
		assertThat(state.putFromLoad(SESSION, KEY, "new", clock.transactionStart(), l, ALWAYS))
				.isEqualTo(PutOutcome.PUT);
	}

	// ---- minimal puts and versions

	@Test
	void putThatMayNotReplace_isSkippedAndStoresNothing() {
		state.registerPendingLoad(SESSION, KEY);

		assertThat(state.putFromLoad(SESSION, KEY, "v1", clock.transactionStart(), lease, cached -> false))
				.isEqualTo(PutOutcome.SKIPPED);
		assertThat(store.containsKey(KEY)).isFalse();
	}

	@Test
	void replacementRule_seesTheCachedEntryAndKeepsIt() {
		store.put(KEY, "v1");
		List<Object> seen = new ArrayList<>();

		PutOutcome outcome = state.putFromLoad(SESSION, KEY, "v0", clock.transactionStart(), lease, cached -> {
			seen.add(cached);
			return cached == null; // minimal puts: only when absent
		});

		assertThat(outcome).isEqualTo(PutOutcome.SKIPPED);
		assertThat(seen).containsExactly("v1");
		assertThat(store.get(KEY)).isEqualTo("v1");
	}

	// ---- real concurrency

	/**
	 * Writers and loaders race on a few keys. A writer opens its window, commits a new version to the "database" and
	 * ends its window (on commit offering that version to the cache). A loader misses, reads the database and puts
	 * what it read. Whatever the interleaving, once every thread has finished, each key's cached value (if any) is the
	 * database's current version: no put may leave a version older than the last committed write.
	 */
	@Test
	void racingWritersAndLoaders_neverLeaveAnOlderVersionCached() throws Exception {
		int keys = 3;
		int writers = 2;
		int loaders = 3;
		int rounds = 20;
		int iterations = 300;
		AtomicLong[] db = new AtomicLong[keys];
		for (int k = 0; k < keys; k++) {
			db[k] = new AtomicLong();
		}
		AtomicInteger puts = new AtomicInteger();
		AtomicInteger cachedOnCommit = new AtomicInteger();
		AtomicLong writerIds = new AtomicLong();
		ExecutorService executor = Executors.newFixedThreadPool(writers + loaders);
		try {
			for (int round = 0; round < rounds; round++) {
				CyclicBarrier start = new CyclicBarrier(writers + loaders);
				List<Future<?>> futures = new ArrayList<>();
				for (int w = 0; w < writers; w++) {
					futures.add(executor.submit(() -> {
						start.await();
						ThreadLocalRandom rnd = ThreadLocalRandom.current();
						for (int i = 0; i < iterations; i++) {
							int k = rnd.nextInt(keys);
							Writer writer = new Writer("A", writerIds.incrementAndGet());
							ValidationState.WriteToken token = state.beginWrite(k, writer);
							boolean commit = rnd.nextInt(4) != 0;
							Long committed = commit ? db[k].incrementAndGet() : null;
							if (state.endWrite(k, writer, committed, token)) {
								cachedOnCommit.incrementAndGet();
							}
						}
						return null;
					}));
				}
				for (int l = 0; l < loaders; l++) {
					Object session = "loader-" + l;
					futures.add(executor.submit(() -> {
						start.await();
						ThreadLocalRandom rnd = ThreadLocalRandom.current();
						for (int i = 0; i < iterations; i++) {
							int k = rnd.nextInt(keys);
							if (store.containsKey(k)) {
								continue; // a hit: nothing to load
							}
							state.registerPendingLoad(session, k);
							long read = db[k].get();
							if (state.putFromLoad(session, k, read, clock.transactionStart(), lease, ALWAYS)
									== PutOutcome.PUT) {
								puts.incrementAndGet();
							}
						}
						return null;
					}));
				}
				for (Future<?> f : futures) {
					f.get(60, TimeUnit.SECONDS);
				}
				for (int k = 0; k < keys; k++) {
					Object cached = store.get(k);
					if (cached != null) {
						assertThat(cached).as("round %d, key %d", round, k).isEqualTo(db[k].get());
					}
				}
			}
		}
		finally {
			executor.shutdownNow();
		}
		assertThat(puts.get() + cachedOnCommit.get()).as("the race exercised caching at all").isPositive();
	}

	/**
	 * A {@link Clock} whose next {@link #timestamp()} call, once armed, returns its value and then waits until the test
	 * lets it go: the caller is stopped between taking a timestamp and using it.
	 */
	private static final class PausingClock implements Clock {
		private final Clock delegate;
		private final AtomicBoolean armed = new AtomicBoolean();
		final CountDownLatch paused = new CountDownLatch(1);
		final CountDownLatch resume = new CountDownLatch(1);

		PausingClock(Clock delegate) {
			this.delegate = delegate;
		}

		void pauseNextTimestamp() {
			armed.set(true);
		}

		@Override
		public long nanoTime() {
			return delegate.nanoTime();
		}

		@Override
		public long transactionStart() {
			return delegate.transactionStart();
		}

		@Override
		public long timestamp() {
			long t = delegate.timestamp();
			if (armed.compareAndSet(true, false)) {
				paused.countDown();
				try {
					if (!resume.await(10, TimeUnit.SECONDS)) {
						throw new IllegalStateException("the test never resumed the paused clock");
					}
				}
				catch (InterruptedException e) {
					Thread.currentThread().interrupt();
					throw new IllegalStateException(e);
				}
			}
			return t;
		}
	}
}
