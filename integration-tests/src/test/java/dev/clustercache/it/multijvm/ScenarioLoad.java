package dev.clustercache.it.multijvm;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.clustercache.sample.LoadOptions;
import dev.clustercache.sample.LoadReport;
import dev.clustercache.sample.LoadRunner;
import dev.clustercache.sample.Mix;
import dev.clustercache.sample.OperationEvent;

/**
 * The sample app's load, round-robin over every node of a {@link SampleCluster}, running in the background while a
 * scenario injects faults, with its stale-read check and every operation recorded. {@link #finish()} ends it and
 * returns what it saw; {@link #close()} ends it if the scenario failed first. It never runs longer than its bound.
 */
final class ScenarioLoad implements AutoCloseable {

	/** How long after its end a load may take to return (requests time out after 30 s). */
	private static final Duration FINISH_TIMEOUT = Duration.ofSeconds(60);

	private final SampleCluster cluster;
	private final AtomicBoolean stop = new AtomicBoolean();
	private final ConcurrentLinkedQueue<OperationEvent> events = new ConcurrentLinkedQueue<>();
	private final CompletableFuture<LoadReport> report = new CompletableFuture<>();
	private final long startNanos = System.nanoTime();

	private ScenarioLoad(SampleCluster cluster, LoadOptions options) {
		this.cluster = cluster;
		LoadOptions recorded = options.withListener(events::add).withStopSignal(stop::get);
		Thread thread = new Thread(() -> {
			try {
				report.complete(LoadRunner.run(recorded));
			}
			catch (RuntimeException | Error e) {
				report.completeExceptionally(e);
			}
		}, "scenario-load");
		thread.setDaemon(true);
		thread.start();
	}

	/**
	 * Starts the load: 8 clients, {@code mix}, for at most {@code bound}; with {@code maxInFlightPerNode} above 0,
	 * a node that does not answer holds at most that many clients (see {@link LoadOptions#maxInFlightPerNode()}).
	 */
	static ScenarioLoad start(SampleCluster cluster, Mix mix, Duration bound, int maxInFlightPerNode) {
		List<String> urls = cluster.launcher().nodeUrls();
		return new ScenarioLoad(cluster, LoadOptions.forDuration(urls, bound, mix)
				.withMaxInFlightPerNode(maxInFlightPerNode));
	}

	/** Runs a load for {@code duration} and returns what it saw. */
	static LoadRun run(SampleCluster cluster, Mix mix, Duration duration) {
		try (ScenarioLoad load = start(cluster, mix, duration, 0)) {
			return load.awaitEnd(duration.plus(FINISH_TIMEOUT));
		}
	}

	/** Lets the load run for {@code duration}; fails at once if it ended with an error. */
	void runFor(Duration duration) {
		try {
			LoadReport early = report.get(duration.toMillis(), TimeUnit.MILLISECONDS);
			throw new AssertionError("The load ended before the scenario did (its bound is too short): "
					+ early.totalOperations() + " operations");
		}
		catch (TimeoutException e) {
			// still running: as it should
		}
		catch (ExecutionException e) {
			throw new AssertionError("The load failed: " + e.getCause().getMessage(), e.getCause());
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new AssertionError("Interrupted while the load ran", e);
		}
	}

	/** Ends the load (operations in flight finish first) and returns what it saw. */
	LoadRun finish() {
		stop.set(true);
		return awaitEnd(FINISH_TIMEOUT);
	}

	private LoadRun awaitEnd(Duration timeout) {
		try {
			LoadReport r = report.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
			return new LoadRun(r, List.copyOf(events), startNanos, System.nanoTime());
		}
		catch (TimeoutException e) {
			stop.set(true);
			System.out.println("The load did not end within " + timeout.toSeconds() + " s; the nodes:");
			cluster.launcher().printDiagnostics(System.out);
			throw new AssertionError("The load did not end within " + timeout.toSeconds() + " s (every node's "
					+ "view and log tail are printed above)");
		}
		catch (ExecutionException e) {
			throw new AssertionError("The load failed: " + e.getCause().getMessage(), e.getCause());
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new AssertionError("Interrupted while waiting for the load", e);
		}
	}

	@Override
	public void close() {
		stop.set(true);
	}
}
