package dev.clustercache.sample;

import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import dev.clustercache.sample.OperationEvent.Outcome;

/**
 * Drives a bounded workload round-robin across nodes and reports what it saw, including stale reads. Use
 * {@link #run(LoadOptions)}; the nodes must already serve the seeded catalog.
 *
 * <p>Half of the picks go to a hot set of 20 products that are updated often and never deleted, so that reads
 * on one node often follow writes on another; their new prices (1.00 to 29.99) cross the query limits (2, 5, 10) often, so that
 * stale query results would show. Deletes take products this run inserted first.
 */
public final class LoadRunner {

	private static final List<BigDecimal> PRICE_LIMITS = List.of(new BigDecimal("2.00"), new BigDecimal("5.00"),
			new BigDecimal("10.00"));
	private static final int HOT_SET = 20;
	private static final int MIN_LIVE_FOR_DELETE = 100;
	private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

	private final LoadOptions options;
	private final LongSupplier clock;
	private final HttpClient http;
	private final StaleReadDetector detector = new StaleReadDetector();
	private final Map<Long, String> skuById = new ConcurrentHashMap<>();
	private final IdPool live = new IdPool();
	private final IdPool inserted = new IdPool();
	private final AtomicLong roundRobin = new AtomicLong();
	private final AtomicLong done = new AtomicLong();
	private final AtomicLong insertCounter = new AtomicLong();
	private final List<String> errorSamples = Collections.synchronizedList(new ArrayList<>());
	private final String runTag;
	private final Semaphore[] inFlight;
	private List<Long> categories = List.of();
	private long[] hot = new long[0];

	private LoadRunner(LoadOptions options, LongSupplier clock) {
		this.options = options;
		this.clock = clock;
		this.http = HttpClient.newBuilder()
				.version(HttpClient.Version.HTTP_1_1)
				.connectTimeout(Duration.ofSeconds(5))
				.build();
		this.runTag = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36).toUpperCase(Locale.ROOT);
		this.inFlight = new Semaphore[options.nodes().size()];
		for (int i = 0; i < inFlight.length; i++) {
			inFlight[i] = new Semaphore(options.maxInFlightPerNode() > 0 ? options.maxInFlightPerNode()
					: Integer.MAX_VALUE);
		}
	}

	/** Runs the workload and returns its report; fails with a one-line message if a node cannot be reached. */
	public static LoadReport run(LoadOptions options) {
		return new LoadRunner(options, System::nanoTime).execute();
	}

	private LoadReport execute() {
		loadCatalog(options.nodes().get(0));
		Map<String, Map<String, Object>> before = new HashMap<>();
		for (String node : options.nodes()) {
			before.put(node, stats(node));
		}
		Recorder[] recorders = new Recorder[options.threads()];
		Thread[] workers = new Thread[options.threads()];
		long start = clock.getAsLong();
		long deadline = options.duration() == null ? Long.MAX_VALUE : start + options.duration().toNanos();
		AtomicLong budget = new AtomicLong(options.operations() == null ? Long.MAX_VALUE : options.operations());
		for (int t = 0; t < workers.length; t++) {
			Recorder recorder = new Recorder();
			recorders[t] = recorder;
			SplittableRandom random = new SplittableRandom(options.seed() * 31 + t);
			workers[t] = new Thread(() -> work(random, recorder, deadline, budget), "load-" + (t + 1));
			workers[t].setDaemon(true);
			workers[t].start();
		}
		Progress progress = new Progress(options.progress(), start, deadline);
		try {
			for (Thread w : workers) {
				while (w.isAlive()) {
					w.join(250);
					progress.maybePrint();
				}
			}
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			budget.set(0);
		}
		long elapsed = clock.getAsLong() - start;
		progress.finish();
		List<LoadReport.NodeReport> nodeReports = new ArrayList<>();
		for (String node : options.nodes()) {
			nodeReports.add(nodeReport(node, before.get(node), stats(node)));
		}
		return report(recorders, elapsed, nodeReports);
	}

	private boolean stopped(long deadline) {
		return clock.getAsLong() >= deadline
				|| (options.stopSignal() != null && options.stopSignal().getAsBoolean());
	}

	private void work(SplittableRandom random, Recorder recorder, long deadline, AtomicLong budget) {
		while (!stopped(deadline) && budget.getAndDecrement() > 0) {
			Operation op = options.mix().next(random);
			int n;
			try {
				n = acquireNode(deadline);
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				return;
			}
			if (n < 0) {
				return;
			}
			String node = options.nodes().get(n);
			long t0 = clock.getAsLong();
			Outcome outcome;
			try {
				outcome = execute(op, node, random);
			}
			catch (IOException | RuntimeException e) {
				outcome = Outcome.ERROR;
				error(op, node, e.toString());
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				return;
			}
			finally {
				inFlight[n].release();
			}
			long t1 = clock.getAsLong();
			recorder.record(op, t1 - t0, outcome);
			if (options.listener() != null) {
				options.listener().accept(new OperationEvent(op, node, t0, t1, outcome));
			}
			done.incrementAndGet();
		}
	}

	/**
	 * The index of the next node round-robin that has room for one more request (see
	 * {@link LoadOptions#maxInFlightPerNode()}), holding its permit; -1 if the run ended while every node was full.
	 */
	private int acquireNode(long deadline) throws InterruptedException {
		int count = options.nodes().size();
		while (true) {
			long first = roundRobin.getAndIncrement();
			for (int k = 0; k < count; k++) {
				int n = (int) ((first + k) % count);
				if (inFlight[n].tryAcquire()) {
					return n;
				}
			}
			if (stopped(deadline)) {
				return -1;
			}
			Thread.sleep(2);
		}
	}

	private Outcome execute(Operation op, String node, SplittableRandom random)
			throws IOException, InterruptedException {
		String label = op.label();
		switch (op) {
			case READ_BY_ID -> {
				long id = pickForRead(random);
				long s = clock.getAsLong();
				Response r = send("GET", node + "/products/" + id, null);
				long e = clock.getAsLong();
				if (r.status() != 200 && r.status() != 404) {
					return failed(op, node, r);
				}
				detector.checkRead(label, node, id, r.status() == 200 ? observation(r.json()) : null, s, e);
				return Outcome.OK;
			}
			case READ_BY_SKU -> {
				long id = pickForRead(random);
				String sku = skuById.get(id);
				long s = clock.getAsLong();
				Response r = send("GET", node + "/products/sku/" + sku, null);
				long e = clock.getAsLong();
				if (r.status() != 200 && r.status() != 404) {
					return failed(op, node, r);
				}
				detector.checkSkuRead(label, node, sku, r.status() == 200 ? observation(r.json()) : null, s, e);
				return Outcome.OK;
			}
			case CATEGORY_PRODUCTS, QUERY_OF_CATEGORY -> {
				long category = categories.get(random.nextInt(categories.size()));
				String path = op == Operation.CATEGORY_PRODUCTS ? "/categories/" + category + "/products"
						: "/queries/products-of-category?categoryId=" + category;
				return listing(op, node, path, (c, p) -> c == category);
			}
			case QUERY_UNDER_PRICE -> {
				BigDecimal limit = PRICE_LIMITS.get(random.nextInt(PRICE_LIMITS.size()));
				return listing(op, node, "/queries/products-under-price?maxPrice=" + limit.toPlainString(),
						(c, p) -> p.compareTo(limit) < 0);
			}
			case UPDATE -> {
				boolean isHot = random.nextBoolean();
				long id = isHot ? hot[random.nextInt(hot.length)] : live.random(random);
				BigDecimal price = BigDecimal.valueOf(100 + random.nextInt(isHot ? 2900 : 9900), 2);
				long s = clock.getAsLong();
				detector.writeSent(id, s, false);
				Response r;
				try {
					r = send("PUT", node + "/products/" + id, Json.write(Map.of("price", price)));
				}
				catch (IOException | RuntimeException e) {
					detector.writeFailed(id, clock.getAsLong());
					throw e;
				}
				long e = clock.getAsLong();
				if (r.status() == 200) {
					detector.updateCommitted(observation(r.json()), e);
					return Outcome.OK;
				}
				if (r.status() == 409 || r.status() == 404) {
					detector.writeRejected(id, e);
					return Outcome.CONFLICT;
				}
				detector.writeFailed(id, e);
				return failed(op, node, r);
			}
			case INSERT -> {
				return insert(node, random);
			}
			case DELETE -> {
				Long id = inserted.takeRandom(random);
				if (id == null) {
					if (live.size() < MIN_LIVE_FOR_DELETE) {
						return insert(node, random);
					}
					id = live.random(random);
					if (isHot(id)) {
						return insert(node, random);
					}
				}
				live.remove(id);
				long s = clock.getAsLong();
				detector.writeSent(id, s, true);
				Response r;
				try {
					r = send("DELETE", node + "/products/" + id, null);
				}
				catch (IOException | RuntimeException e) {
					detector.writeFailed(id, clock.getAsLong());
					throw e;
				}
				long e = clock.getAsLong();
				if (r.status() == 200) {
					detector.deleteCommitted(id, e);
					return Outcome.OK;
				}
				if (r.status() == 409) {
					detector.writeRejected(id, e);
					live.add(id);
					return Outcome.CONFLICT;
				}
				if (r.status() == 404) {
					detector.writeRejected(id, e);
					return Outcome.CONFLICT;
				}
				detector.writeFailed(id, e);
				return failed(op, node, r);
			}
			default -> throw new IllegalStateException("Unknown operation " + op);
		}
	}

	private Outcome insert(String node, SplittableRandom random) throws IOException, InterruptedException {
		String sku = "LOAD-" + runTag + "-" + insertCounter.incrementAndGet();
		long category = categories.get(random.nextInt(categories.size()));
		BigDecimal price = BigDecimal.valueOf(100 + random.nextInt(9900), 2);
		Map<String, Object> body = new HashMap<>();
		body.put("sku", sku);
		body.put("name", "Load product " + sku);
		body.put("price", price);
		body.put("categoryId", category);
		long s = clock.getAsLong();
		Response r = send("POST", node + "/products", Json.write(body));
		long e = clock.getAsLong();
		if (r.status() == 201) {
			StaleReadDetector.Observation o = observation(r.json());
			detector.insertCommitted(sku, o, s, e);
			skuById.put(o.id(), sku);
			live.add(o.id());
			inserted.add(o.id());
			return Outcome.OK;
		}
		if (r.status() == 409) {
			return Outcome.CONFLICT;
		}
		return failed(Operation.INSERT, node, r);
	}

	private Outcome listing(Operation op, String node, String path, StaleReadDetector.Membership membership)
			throws IOException, InterruptedException {
		long s = clock.getAsLong();
		Response r = send("GET", node + path, null);
		long e = clock.getAsLong();
		if (r.status() != 200) {
			return failed(op, node, r);
		}
		List<StaleReadDetector.Observation> observed = new ArrayList<>();
		for (Object item : (List<?>) r.json().get("products")) {
			@SuppressWarnings("unchecked")
			Map<String, Object> product = (Map<String, Object>) item;
			observed.add(observation(product));
		}
		detector.checkListing(op.label(), node, observed, membership, s, e);
		return Outcome.OK;
	}

	private long pickForRead(SplittableRandom random) {
		return random.nextBoolean() ? hot[random.nextInt(hot.length)] : live.random(random);
	}

	private boolean isHot(long id) {
		for (long h : hot) {
			if (h == id) {
				return true;
			}
		}
		return false;
	}

	private Outcome failed(Operation op, String node, Response r) {
		error(op, node, "HTTP " + r.status() + " " + Json.abbreviate(r.body()));
		return Outcome.ERROR;
	}

	private void error(Operation op, String node, String detail) {
		if (errorSamples.size() < 10) {
			errorSamples.add(op.label() + " on " + node + ": " + detail);
		}
	}

	private static StaleReadDetector.Observation observation(Map<String, Object> p) {
		return new StaleReadDetector.Observation(number(p, "id").longValueExact(),
				number(p, "version").longValueExact(), number(p, "price"), number(p, "categoryId").longValueExact());
	}

	private static BigDecimal number(Map<String, Object> json, String key) {
		Object value = json.get(key);
		if (value instanceof BigDecimal d) {
			return d;
		}
		throw new IllegalStateException("Expected a number for '" + key + "' in " + Json.abbreviate(Json.write(json)));
	}

	private void loadCatalog(String node) {
		Map<String, Object> catalog = getJson(node, "/catalog");
		List<Long> ids = new ArrayList<>();
		for (Object item : (List<?>) catalog.get("products")) {
			Map<?, ?> p = (Map<?, ?>) item;
			long id = ((BigDecimal) p.get("id")).longValueExact();
			String sku = (String) p.get("sku");
			ids.add(id);
			skuById.put(id, sku);
			detector.knowSku(sku, id);
			live.add(id);
		}
		categories = ((List<?>) catalog.get("categories")).stream().map(c -> ((BigDecimal) c).longValueExact())
				.toList();
		if (ids.size() < HOT_SET * 2 || categories.isEmpty()) {
			throw new SampleException("The catalog served by '" + node + "' has only " + ids.size()
					+ " products in " + categories.size() + " categories; the load needs at least " + HOT_SET * 2
					+ ". Seed the database with 'db --seed' or 'seed'.");
		}
		List<Long> shuffled = new ArrayList<>(ids);
		Collections.shuffle(shuffled, new java.util.Random(options.seed()));
		hot = shuffled.subList(0, HOT_SET).stream().mapToLong(Long::longValue).toArray();
	}

	private Map<String, Object> stats(String node) {
		return getJson(node, "/stats");
	}

	private Map<String, Object> getJson(String node, String path) {
		try {
			Response r = send("GET", node + path, null);
			if (r.status() != 200) {
				throw new SampleException("Node '" + node + "' answered " + path + " with HTTP " + r.status() + ": "
						+ Json.abbreviate(r.body()) + ". Check its log.");
			}
			return r.json();
		}
		catch (ConnectException e) {
			throw new SampleException("Cannot reach node '" + node + "': connection refused. Start it with "
					+ "'node' (it prints its URL) or fix '--nodes'.", e);
		}
		catch (IOException e) {
			throw new SampleException("Cannot reach node '" + node + "': " + e + ". Check that it runs and that "
					+ "'--nodes' is right.", e);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new SampleException("Interrupted while asking node '" + node + "' for " + path + ".", e);
		}
	}

	private static LoadReport.NodeReport nodeReport(String node, Map<String, Object> before,
			Map<String, Object> after) {
		long hits = readCounter(after, "hits");
		long misses = readCounter(after, "misses");
		if (hits >= readCounter(before, "hits") && misses >= readCounter(before, "misses")) {
			hits -= readCounter(before, "hits");
			misses -= readCounter(before, "misses");
		}
		// else the counters went back: the node restarted during the run, and counts from its restart
		List<String> members = new ArrayList<>();
		if (after.get("members") instanceof List<?> list) {
			list.forEach(m -> members.add(String.valueOf(m)));
		}
		return new LoadReport.NodeReport(node, String.valueOf(after.get("node")), hits, misses,
				hits + misses == 0 ? null : (double) hits / (hits + misses), members);
	}

	private static long readCounter(Map<String, Object> stats, String key) {
		if (stats.get("reads") instanceof Map<?, ?> reads && reads.get(key) instanceof BigDecimal d) {
			return d.longValue();
		}
		return 0;
	}

	private record Response(int status, String body) {
		Map<String, Object> json() {
			return Json.parseObject(body);
		}
	}

	private Response send(String method, String url, String body) throws IOException, InterruptedException {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(REQUEST_TIMEOUT);
		if (body != null) {
			request.header("Content-Type", "application/json")
					.method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
		}
		else {
			request.method(method, HttpRequest.BodyPublishers.noBody());
		}
		HttpResponse<String> response = http.send(request.build(),
				HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
		return new Response(response.statusCode(), response.body());
	}

	private LoadReport report(Recorder[] recorders, long elapsedNanos, List<LoadReport.NodeReport> nodeReports) {
		List<LoadReport.OperationStats> operations = new ArrayList<>();
		LongList all = new LongList();
		long total = 0;
		for (Operation op : Operation.values()) {
			LongList latencies = new LongList();
			long errors = 0;
			long conflicts = 0;
			for (Recorder r : recorders) {
				latencies.addAll(r.latencies.get(op));
				errors += r.errors.getOrDefault(op, 0L);
				conflicts += r.conflicts.getOrDefault(op, 0L);
			}
			all.addAll(latencies);
			total += latencies.size;
			long[] sorted = latencies.sorted();
			operations.add(new LoadReport.OperationStats(op, latencies.size, errors, conflicts,
					percentileMillis(sorted, 0.50), percentileMillis(sorted, 0.99)));
		}
		long[] sorted = all.sorted();
		Duration elapsed = Duration.ofNanos(elapsedNanos);
		double seconds = Math.max(elapsedNanos / 1e9, 1e-9);
		return new LoadReport(options.nodes(), options.mix().label(), options.threads(), options.seed(), elapsed,
				operations, total, total / seconds, percentileMillis(sorted, 0.50), percentileMillis(sorted, 0.99),
				nodeReports, detector.checkedReads(), detector.staleReads(), detector.samples(),
				List.copyOf(errorSamples));
	}

	/** The nearest-rank percentile of sorted latencies, in milliseconds; 0 when there are none. */
	static double percentileMillis(long[] sorted, double percentile) {
		if (sorted.length == 0) {
			return 0;
		}
		int rank = (int) Math.ceil(percentile * sorted.length);
		return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))] / 1e6;
	}

	/** Latencies and outcome counts of one worker thread. */
	private static final class Recorder {
		final Map<Operation, LongList> latencies = new EnumMap<>(Operation.class);
		final Map<Operation, Long> errors = new EnumMap<>(Operation.class);
		final Map<Operation, Long> conflicts = new EnumMap<>(Operation.class);

		Recorder() {
			for (Operation op : Operation.values()) {
				latencies.put(op, new LongList());
			}
		}

		void record(Operation op, long nanos, Outcome outcome) {
			latencies.get(op).add(nanos);
			if (outcome == Outcome.ERROR) {
				errors.merge(op, 1L, Long::sum);
			}
			else if (outcome == Outcome.CONFLICT) {
				conflicts.merge(op, 1L, Long::sum);
			}
		}
	}

	private static final class LongList {
		long[] values = new long[256];
		int size;

		void add(long v) {
			if (size == values.length) {
				values = Arrays.copyOf(values, size * 2);
			}
			values[size++] = v;
		}

		void addAll(LongList other) {
			for (int i = 0; i < other.size; i++) {
				add(other.values[i]);
			}
		}

		long[] sorted() {
			long[] copy = Arrays.copyOf(values, size);
			Arrays.sort(copy);
			return copy;
		}
	}

	/** Product ids with random picks and O(1) removal. */
	private static final class IdPool {
		private final List<Long> ids = new ArrayList<>();
		private final Map<Long, Integer> index = new HashMap<>();

		synchronized void add(long id) {
			if (!index.containsKey(id)) {
				index.put(id, ids.size());
				ids.add(id);
			}
		}

		synchronized void remove(long id) {
			Integer at = index.remove(id);
			if (at != null) {
				Long last = ids.remove(ids.size() - 1);
				if (at < ids.size()) {
					ids.set(at, last);
					index.put(last, at);
				}
			}
		}

		synchronized long random(SplittableRandom random) {
			return ids.get(random.nextInt(ids.size()));
		}

		synchronized Long takeRandom(SplittableRandom random) {
			if (ids.isEmpty()) {
				return null;
			}
			long id = ids.get(random.nextInt(ids.size()));
			remove(id);
			return id;
		}

		synchronized int size() {
			return ids.size();
		}
	}

	/** A progress bar on a terminal, or a line every 5 seconds when the output is a file. */
	private final class Progress {
		private final PrintStream out;
		private final long start;
		private final long deadline;
		private final boolean terminal = System.console() != null;
		private long lastPrinted;

		Progress(PrintStream out, long start, long deadline) {
			this.out = out;
			this.start = start;
			this.deadline = deadline;
			this.lastPrinted = start;
		}

		void maybePrint() {
			long now = clock.getAsLong();
			if (out == null || now - lastPrinted < (terminal ? 500_000_000L : 5_000_000_000L)) {
				return;
			}
			lastPrinted = now;
			out.print((terminal ? "\r" : "") + line(now) + (terminal ? "" : System.lineSeparator()));
			out.flush();
		}

		void finish() {
			if (out != null) {
				out.print((terminal ? "\r" : "") + line(clock.getAsLong()) + System.lineSeparator());
				out.flush();
			}
		}

		private String line(long now) {
			long ops = done.get();
			double fraction;
			String of;
			if (deadline != Long.MAX_VALUE) {
				fraction = (double) (now - start) / (deadline - start);
				of = String.format(Locale.ROOT, "%3ds/%ds", (now - start) / 1_000_000_000L,
						(deadline - start) / 1_000_000_000L);
			}
			else {
				fraction = (double) ops / options.operations();
				of = String.format(Locale.ROOT, "%,d/%,d ops", ops, options.operations());
			}
			int width = 30;
			int filled = (int) Math.round(Math.max(0, Math.min(1, fraction)) * width);
			double seconds = Math.max((now - start) / 1e9, 1e-9);
			return String.format(Locale.ROOT, "  [%s%s] %s  %,d ops  %,.0f ops/s  stale reads %d",
					"#".repeat(filled), ".".repeat(width - filled), of, ops, ops / seconds, detector.staleReads());
		}
	}
}
