package dev.clustercache.sample;

import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * What {@link LoadRunner} does: which nodes it sends requests to (round-robin), for how long or how many operations,
 * with how many threads, which mix, and which random seed. {@code progress}, if not null, receives a progress line.
 *
 * <p>For tests that inject faults: {@code maxInFlightPerNode}, if above 0, caps the requests outstanding on one node
 * (round-robin skips a node at its cap, as a load balancer with a connection limit would), so that a frozen node
 * holds only that many clients and the others keep loading the rest of the cluster; {@code listener}, if not null,
 * receives every operation as it ends; {@code stopSignal}, if not null, ends the run early once it answers true
 * (operations in flight finish first).
 */
public record LoadOptions(List<String> nodes, Duration duration, Long operations, int threads, Mix mix, long seed,
		PrintStream progress, int maxInFlightPerNode, Consumer<OperationEvent> listener, BooleanSupplier stopSignal) {

	public static final int DEFAULT_THREADS = 8;
	public static final long DEFAULT_SEED = 42;

	public LoadOptions {
		if (nodes == null || nodes.isEmpty()) {
			throw new SampleException("No nodes given. Pass their URLs with '--nodes', such as "
					+ "'--nodes http://127.0.0.1:8081,http://127.0.0.1:8082'.");
		}
		nodes = nodes.stream().map(LoadOptions::normalizeUrl).toList();
		if ((duration == null) == (operations == null)) {
			throw new SampleException("Give either '--duration' or '--ops', not " + (duration == null ? "neither"
					: "both") + ".");
		}
		if (duration != null && (duration.isNegative() || duration.isZero())) {
			throw new SampleException("Invalid value for '--duration': '" + Durations.format(duration)
					+ "'. Expected a positive duration such as '30s'.");
		}
		if (operations != null && operations < 1) {
			throw new SampleException("Invalid value for '--ops': '" + operations + "'. Expected 1 or more.");
		}
		if (threads < 1 || threads > 256) {
			throw new SampleException("Invalid value for '--threads': '" + threads + "'. Expected 1 to 256.");
		}
		if (mix == null) {
			mix = Mix.READ_MOSTLY;
		}
		if (maxInFlightPerNode < 0) {
			throw new SampleException("Invalid value for 'maxInFlightPerNode': '" + maxInFlightPerNode
					+ "'. Expected 0 (no cap) or more.");
		}
	}

	/** Options without a per-node cap, listener or stop signal. */
	public LoadOptions(List<String> nodes, Duration duration, Long operations, int threads, Mix mix, long seed,
			PrintStream progress) {
		this(nodes, duration, operations, threads, mix, seed, progress, 0, null, null);
	}

	/** Options for a timed run with the default threads and seed. */
	public static LoadOptions forDuration(List<String> nodes, Duration duration, Mix mix) {
		return new LoadOptions(nodes, duration, null, DEFAULT_THREADS, mix, DEFAULT_SEED, null);
	}

	public LoadOptions withProgress(PrintStream out) {
		return new LoadOptions(nodes, duration, operations, threads, mix, seed, out, maxInFlightPerNode, listener,
				stopSignal);
	}

	public LoadOptions withThreads(int count) {
		return new LoadOptions(nodes, duration, operations, count, mix, seed, progress, maxInFlightPerNode, listener,
				stopSignal);
	}

	public LoadOptions withMaxInFlightPerNode(int max) {
		return new LoadOptions(nodes, duration, operations, threads, mix, seed, progress, max, listener, stopSignal);
	}

	public LoadOptions withListener(Consumer<OperationEvent> consumer) {
		return new LoadOptions(nodes, duration, operations, threads, mix, seed, progress, maxInFlightPerNode, consumer,
				stopSignal);
	}

	public LoadOptions withStopSignal(BooleanSupplier stop) {
		return new LoadOptions(nodes, duration, operations, threads, mix, seed, progress, maxInFlightPerNode, listener,
				stop);
	}

	static String normalizeUrl(String url) {
		String u = url.trim();
		while (u.endsWith("/")) {
			u = u.substring(0, u.length() - 1);
		}
		URI uri;
		try {
			uri = URI.create(u);
		}
		catch (IllegalArgumentException e) {
			uri = null;
		}
		if (uri == null || !"http".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 1
				|| (uri.getPath() != null && !uri.getPath().isEmpty())) {
			throw new SampleException("Invalid node URL '" + url + "'. Expected 'http://HOST:PORT' such as "
					+ "'http://127.0.0.1:8081', as printed by 'node'.");
		}
		return u;
	}
}
