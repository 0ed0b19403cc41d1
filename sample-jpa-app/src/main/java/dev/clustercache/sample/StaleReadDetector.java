package dev.clustercache.sample;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides, from the client's side only, whether a read returned stale data. All times come from one monotonic clock
 * of the client (nanoseconds): a read is described by the time just before its request was sent ({@code start}) and
 * the time just after its whole answer arrived ({@code end}); a write's commit counts from the time its answer
 * arrived, since only then does the client know it.
 *
 * <p>The rules, per product row:
 * <ol>
 * <li><b>Older version.</b> A read that started after the client received the commit of version {@code v} (by any
 * node) and returned a version below {@code v} is stale. A delete counts as a version above all others, so a read
 * that returns a row whose deletion was acknowledged before it started is stale too.</li>
 * <li><b>Missing row.</b> A read by id or natural id that answers "not found" for a row whose insert or update was
 * acknowledged before it started, while no delete of that row had been sent before it ended, is stale.</li>
 * <li><b>Wrong membership.</b> For listings (a category's collection, the cacheable queries) the client knows a
 * row's exact state during the read when every write of that row was sent and acknowledged before the read started
 * (and none failed with an unknown outcome). Such a row must be listed if and only if its acknowledged state matches
 * the listing (its category, or its price below the limit); otherwise the listing is stale.</li>
 * </ol>
 * Rows the client never wrote are only checked against rule 1 of their later writes: the client knows nothing else
 * about them. Thread-safe.
 */
public final class StaleReadDetector {

	/** What a read or a write answer says about one product row. */
	public record Observation(long id, long version, BigDecimal price, long categoryId) {
	}

	/** Which rows a listing should contain, judged on a row's acknowledged state. */
	@FunctionalInterface
	public interface Membership {
		boolean contains(long categoryId, BigDecimal price);
	}

	/** One stale read, for the report. */
	public record StaleRead(String operation, String node, String detail, long startNanos, long endNanos) {
	}

	static final long DELETED = Long.MAX_VALUE;
	private static final int MAX_SAMPLES = 20;
	private static final int MAX_PROBLEMS_SHOWN = 2;

	private static final class Row {
		// acknowledged commits, sorted by the time their answer arrived, with the running maximum of versions
		long[] receivedAt = new long[4];
		long[] maxVersion = new long[4];
		long[] version = new long[4];
		int size;

		// the acknowledged state with the highest version
		long stateVersion = -1;
		BigDecimal price;
		long categoryId;

		int inFlight;
		long lastWriteSent = Long.MIN_VALUE;
		long lastWriteAnswered = Long.MIN_VALUE;
		long firstDeleteSent = Long.MAX_VALUE;
		boolean uncertain;

		void addCommit(long at, long v) {
			if (size == receivedAt.length) {
				receivedAt = Arrays.copyOf(receivedAt, size * 2);
				maxVersion = Arrays.copyOf(maxVersion, size * 2);
				version = Arrays.copyOf(version, size * 2);
			}
			int i = size++;
			while (i > 0 && receivedAt[i - 1] > at) {
				receivedAt[i] = receivedAt[i - 1];
				version[i] = version[i - 1];
				i--;
			}
			receivedAt[i] = at;
			version[i] = v;
			for (int j = i; j < size; j++) {
				maxVersion[j] = j == 0 ? version[j] : Math.max(maxVersion[j - 1], version[j]);
			}
		}

		/** The highest version whose commit was acknowledged strictly before {@code time}; -1 if none. */
		long maxVersionBefore(long time) {
			int lo = 0;
			int hi = size;
			while (lo < hi) {
				int mid = (lo + hi) >>> 1;
				if (receivedAt[mid] < time) {
					lo = mid + 1;
				}
				else {
					hi = mid;
				}
			}
			return lo == 0 ? -1 : maxVersion[lo - 1];
		}

		long receivedAtOf(long v) {
			for (int i = 0; i < size; i++) {
				if (version[i] == v) {
					return receivedAt[i];
				}
			}
			return Long.MIN_VALUE;
		}

		boolean knownDuring(long start) {
			return !uncertain && inFlight == 0 && stateVersion >= 0 && lastWriteSent < start
					&& lastWriteAnswered < start;
		}
	}

	private final Map<Long, Row> rows = new HashMap<>();
	private final Map<String, Long> idBySku = new HashMap<>();
	private final List<StaleRead> samples = new ArrayList<>();
	private long staleReads;
	private long checkedReads;

	/** Records that a write (update or delete) of a row is about to be sent at {@code sentAt}. */
	public synchronized void writeSent(long id, long sentAt, boolean delete) {
		Row row = rows.computeIfAbsent(id, k -> new Row());
		row.inFlight++;
		row.lastWriteSent = Math.max(row.lastWriteSent, sentAt);
		if (delete) {
			row.firstDeleteSent = Math.min(row.firstDeleteSent, sentAt);
		}
	}

	/** An update's answer arrived at {@code answeredAt}: {@code committed} is the state it committed. */
	public synchronized void updateCommitted(Observation committed, long answeredAt) {
		Row row = answered(committed.id(), answeredAt);
		commit(row, committed, answeredAt);
	}

	/** A delete's answer arrived at {@code answeredAt}: the row is gone. */
	public synchronized void deleteCommitted(long id, long answeredAt) {
		Row row = answered(id, answeredAt);
		row.addCommit(answeredAt, DELETED);
		row.stateVersion = DELETED;
	}

	/** A write was refused (conflict, not found): nothing was committed. */
	public synchronized void writeRejected(long id, long answeredAt) {
		answered(id, answeredAt);
	}

	/** A write failed without a clear answer (error, time-out): it may or may not have committed. */
	public synchronized void writeFailed(long id, long answeredAt) {
		answered(id, answeredAt).uncertain = true;
	}

	/** An insert's answer arrived: the new row and its SKU are known from now on. */
	public synchronized void insertCommitted(String sku, Observation committed, long sentAt, long answeredAt) {
		Row row = rows.computeIfAbsent(committed.id(), k -> new Row());
		row.lastWriteSent = Math.max(row.lastWriteSent, sentAt);
		row.lastWriteAnswered = Math.max(row.lastWriteAnswered, answeredAt);
		idBySku.put(sku, committed.id());
		commit(row, committed, answeredAt);
	}

	/** Makes a row known by its natural id, so that reads by SKU can be checked. */
	public synchronized void knowSku(String sku, long id) {
		idBySku.put(sku, id);
	}

	private Row answered(long id, long answeredAt) {
		Row row = rows.computeIfAbsent(id, k -> new Row());
		row.inFlight = Math.max(0, row.inFlight - 1);
		row.lastWriteAnswered = Math.max(row.lastWriteAnswered, answeredAt);
		return row;
	}

	private static void commit(Row row, Observation committed, long answeredAt) {
		row.addCommit(answeredAt, committed.version());
		if (committed.version() >= row.stateVersion && row.stateVersion != DELETED) {
			row.stateVersion = committed.version();
			row.price = committed.price();
			row.categoryId = committed.categoryId();
		}
	}

	/** Checks a read of one row by id; {@code observed} is null when the node answered "not found". */
	public synchronized boolean checkRead(String operation, String node, long id, Observation observed, long start,
			long end) {
		checkedReads++;
		String problem = checkRow(id, observed, start, end);
		return report(operation, node, problem, start, end);
	}

	/** Checks a read of one row by natural id; {@code observed} is null when the node answered "not found". */
	public synchronized boolean checkSkuRead(String operation, String node, String sku, Observation observed,
			long start, long end) {
		checkedReads++;
		Long id = observed != null ? Long.valueOf(observed.id()) : idBySku.get(sku);
		String problem = id == null ? null : checkRow(id, observed, start, end);
		return report(operation, node, problem == null ? null : "SKU '" + sku + "': " + problem, start, end);
	}

	/**
	 * Checks a listing: every listed row against rule 1, and the rows whose state the client knows during the read
	 * against {@code membership}.
	 */
	public synchronized boolean checkListing(String operation, String node, List<Observation> observed,
			Membership membership, long start, long end) {
		checkedReads++;
		List<String> problems = new ArrayList<>();
		Set<Long> listed = new HashSet<>();
		for (Observation o : observed) {
			listed.add(o.id());
			String problem = checkRow(o.id(), o, start, end);
			if (problem == null) {
				Row row = rows.get(o.id());
				if (row != null && row.knownDuring(start) && row.stateVersion != DELETED
						&& !membership.contains(row.categoryId, row.price)) {
					problem = "product " + o.id() + " is listed, but its acknowledged state (version "
							+ row.stateVersion + ", price " + row.price + ", category " + row.categoryId
							+ ") does not belong to this listing";
				}
			}
			if (problem != null) {
				problems.add(problem);
			}
		}
		for (Map.Entry<Long, Row> e : rows.entrySet()) {
			Row row = e.getValue();
			if (!listed.contains(e.getKey()) && row.knownDuring(start) && row.stateVersion != DELETED
					&& membership.contains(row.categoryId, row.price)) {
				problems.add("product " + e.getKey() + " is missing, but its acknowledged state (version "
						+ row.stateVersion + ", price " + row.price + ", category " + row.categoryId
						+ ") belongs to this listing");
			}
		}
		if (problems.isEmpty()) {
			return report(operation, node, null, start, end);
		}
		String detail = String.join("; ", problems.subList(0, Math.min(MAX_PROBLEMS_SHOWN, problems.size())));
		if (problems.size() > MAX_PROBLEMS_SHOWN) {
			detail += "; and " + (problems.size() - MAX_PROBLEMS_SHOWN) + " more rows";
		}
		return report(operation, node, detail, start, end);
	}

	private String checkRow(long id, Observation observed, long start, long end) {
		Row row = rows.get(id);
		if (row == null) {
			return null;
		}
		long acknowledged = row.maxVersionBefore(start);
		if (observed != null) {
			if (acknowledged > observed.version()) {
				String what = acknowledged == DELETED ? "its delete" : "version " + acknowledged;
				return "product " + id + " read at version " + observed.version() + ", but " + what
						+ " was acknowledged " + millis(start - row.receivedAtOf(acknowledged))
						+ " before the read started";
			}
			return null;
		}
		if (acknowledged >= 0 && acknowledged != DELETED && row.firstDeleteSent > end) {
			return "product " + id + " not found, but version " + acknowledged + " was acknowledged "
					+ millis(start - row.receivedAtOf(acknowledged)) + " before the read started and no delete was sent";
		}
		return null;
	}

	private static String millis(long nanos) {
		return String.format(java.util.Locale.ROOT, "%.1f ms", nanos / 1e6);
	}

	private boolean report(String operation, String node, String problem, long start, long end) {
		if (problem == null) {
			return false;
		}
		staleReads++;
		if (samples.size() < MAX_SAMPLES) {
			samples.add(new StaleRead(operation, node, problem, start, end));
		}
		return true;
	}

	public synchronized long staleReads() {
		return staleReads;
	}

	public synchronized long checkedReads() {
		return checkedReads;
	}

	/** The first stale reads, at most 20. */
	public synchronized List<StaleRead> samples() {
		return List.copyOf(samples);
	}
}
