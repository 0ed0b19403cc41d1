package dev.clustercache.bench;

import java.sql.PreparedStatement;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.LongStream;

import org.hibernate.Hibernate;
import org.hibernate.Session;
import org.hibernate.SessionFactory;

/**
 * The data every provider is measured on, and the operations of the workloads. Rows are inserted over JDBC (so every
 * cache starts empty) and then read once on every node, so that the workloads measure hits.
 */
public final class BenchData {

	public static final int BOOKS = 10_000;
	public static final int BOOKS_PER_PUBLISHER = 5;
	public static final int PUBLISHERS = BOOKS / BOOKS_PER_PUBLISHER;
	/** Books are spread over this many shelves, 10 a shelf. */
	public static final int SHELVES = 1_000;
	/** The cacheable query takes its shelf from this many values: 100 cached results of 10 rows each. */
	public static final int QUERIED_SHELVES = 100;

	public static final String SHELF_QUERY = "from Book b where b.shelf = :shelf order by b.id";

	private BenchData() {
	}

	/** Inserts the rows over JDBC, bypassing every cache. */
	public static void populate(SessionFactory sf) {
		sf.inTransaction(s -> s.doWork(connection -> {
			try (PreparedStatement p = connection.prepareStatement(
					"insert into bench_publisher (id, name) values (?, ?)")) {
				for (long id = 1; id <= PUBLISHERS; id++) {
					p.setLong(1, id);
					p.setString(2, "publisher " + id);
					p.addBatch();
				}
				p.executeBatch();
			}
			try (PreparedStatement p = connection.prepareStatement(
					"insert into bench_book (id, title, price, shelf, publisher_id) values (?, ?, ?, ?, ?)")) {
				for (long id = 1; id <= BOOKS; id++) {
					p.setLong(1, id);
					p.setString(2, "book " + id);
					p.setInt(3, 100);
					p.setInt(4, shelfOf(id));
					p.setLong(5, publisherOf(id));
					p.addBatch();
				}
				p.executeBatch();
			}
		}));
	}

	static int shelfOf(long bookId) {
		return (int) ((bookId - 1) % SHELVES);
	}

	static long publisherOf(long bookId) {
		return (bookId - 1) / BOOKS_PER_PUBLISHER + 1;
	}

	/** Reads every book once, to fill this node's entity cache. Loads go in sessions of {@value #WARM_BATCH}. */
	public static void warmBooks(SessionFactory sf) {
		for (long first = 1; first <= BOOKS; first += WARM_BATCH) {
			List<Long> ids = LongStream.range(first, Math.min(first + WARM_BATCH, BOOKS + 1)).boxed().toList();
			sf.inSession(s -> s.findMultiple(Book.class, ids));
		}
	}

	/** Reads every publisher and its books once: the entity and collection caches. */
	public static void warmPublishers(SessionFactory sf) {
		warmBooks(sf);
		for (long first = 1; first <= PUBLISHERS; first += WARM_BATCH) {
			long from = first;
			sf.inSession(s -> {
				for (long id = from; id < Math.min(from + WARM_BATCH, PUBLISHERS + 1); id++) {
					Hibernate.initialize(s.find(Publisher.class, id).books);
				}
			});
		}
	}

	/** Runs the query once for every queried shelf: the query cache and the books in its results. */
	public static void warmShelves(SessionFactory sf) {
		for (int shelf = 0; shelf < QUERIED_SHELVES; shelf++) {
			shelf(sf, shelf);
		}
	}

	/**
	 * Fills this node's caches with what {@code workload} (a method name of {@link CacheBenchmark}) reads: the queried
	 * shelves for queryHit, the publishers and their books for collectionHit, the books for the others.
	 */
	public static void warmFor(SessionFactory sf, String workload) {
		switch (workload) {
			case "queryHit" -> warmShelves(sf);
			case "collectionHit" -> warmPublishers(sf);
			default -> warmBooks(sf);
		}
	}

	private static final int WARM_BATCH = 500;

	// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
	// the operations: each opens its own session, as a request of a web application would

	/** A book's id, uniformly at random. */
	public static long randomBook() {
		return ThreadLocalRandom.current().nextLong(1, BOOKS + 1);
	}

	/** A publisher's id, uniformly at random. */
	public static long randomPublisher() {
		return ThreadLocalRandom.current().nextLong(1, PUBLISHERS + 1);
	}

	/** findHit: one book by id in a fresh session; returns its price. */
	public static int findBook(SessionFactory sf, long id) {
		try (Session s = sf.openSession()) {
			return s.find(Book.class, id).price;
		}
	}

	/** queryHit: the cacheable query for one shelf (10 books) in a fresh session; returns the sum of their prices. */
	public static int shelf(SessionFactory sf, int shelf) {
		try (Session s = sf.openSession()) {
			List<Book> books = s.createSelectionQuery(SHELF_QUERY, Book.class).setParameter("shelf", shelf)
					.setCacheable(true).getResultList();
			int sum = 0;
			for (Book b : books) {
				sum += b.price;
			}
			return sum;
		}
	}

	/** collectionHit: a publisher and its cached collection of 5 books in a fresh session; returns their prices. */
	public static int publisherBooks(SessionFactory sf, long id) {
		try (Session s = sf.openSession()) {
			Publisher p = s.find(Publisher.class, id);
			Hibernate.initialize(p.books);
			int sum = 0;
			for (Book b : p.books) {
				sum += b.price;
			}
			return sum;
		}
	}

	/** updateCommit: loads a book, changes its price and commits, in a fresh session; returns the new price. */
	public static int updatePrice(SessionFactory sf, long id, int price) {
		return sf.fromTransaction(s -> {
			Book b = s.find(Book.class, id);
			b.price = price;
			return price;
		});
	}
}
