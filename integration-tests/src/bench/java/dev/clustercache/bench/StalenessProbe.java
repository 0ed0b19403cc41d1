package dev.clustercache.bench;

import java.util.ArrayList;
import java.util.List;

import org.hibernate.SessionFactory;
import org.hibernate.stat.Statistics;

/**
 * The staleness probe of issue 7, beside the JMH suite: on a two-node deployment, update a book on node A, and right
 * after the commit read it on node B (twice) and on A. Before each trial both nodes hold the old value in their caches,
 * so a provider that fails to invalidate B in time serves a stale price there.
 * <p>
 * Counts per trial, from Hibernate's statistics on each node: whether B's first read after the commit was a hit or a
 * miss, whether it returned the committed price; the same for B's second read (did B cache the new value after its
 * miss?) and for A's read (did the writer cache its committed state?).
 * <p>
 * {@code java -cp benchmarks.jar dev.clustercache.bench.StalenessProbe [trials] [provider...]}: defaults 1000 trials,
 * {@code clustercache-cluster clustercache-replicated clustercache-distributed infinispan-cluster}.
 */
public final class StalenessProbe {

	public static final List<Provider> DEFAULT_PROVIDERS = List.of(Provider.CLUSTERCACHE_CLUSTER,
			Provider.CLUSTERCACHE_REPLICATED, Provider.CLUSTERCACHE_DISTRIBUTED, Provider.INFINISPAN_CLUSTER);

	/** The counts of one provider; {@code error} is set instead when it could not run. */
	public record Result(Provider provider, int trials, int primedOnB, int staleFirstOnB, int hitsFirstOnB,
			int missesFirstOnB, int staleSecondOnB, int hitsSecondOnB, int staleOnA, int hitsOnA, long millis,
			String error) {

		static Result failed(Provider provider, String error) {
			return new Result(provider, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, error);
		}

		public int staleReads() {
			return staleFirstOnB + staleSecondOnB + staleOnA;
		}

		@Override
		public String toString() {
			if (error != null) {
				return provider.id() + ": could not run: " + error;
			}
			return String.format("%s: %d trials in %d ms, B primed in %d; stale reads %d (B first %d, B second %d,"
					+ " A %d); B first read hits %d misses %d; B second read hits %d; A's read hits %d",
					provider.id(), trials, millis, primedOnB, staleReads(), staleFirstOnB, staleSecondOnB, staleOnA,
					hitsFirstOnB, missesFirstOnB, hitsSecondOnB, hitsOnA);
		}
	}

	private StalenessProbe() {
	}

	public static void main(String[] args) {
		int trials = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
		List<Provider> providers = new ArrayList<>();
		for (int i = 1; i < args.length; i++) {
			providers.add(Provider.of(args[i]));
		}
		for (Result r : run(providers.isEmpty() ? DEFAULT_PROVIDERS : providers, trials)) {
			System.out.println(r);
		}
		System.exit(0);
	}

	public static List<Result> run(List<Provider> providers, int trials) {
		List<Result> results = new ArrayList<>();
		for (Provider p : providers) {
			try (Deployment d = Deployment.start(p, true)) {
				Result r = probe(d, trials);
				System.out.println(r);
				results.add(r);
			}
			catch (RuntimeException e) {
				Result r = Result.failed(p, String.valueOf(e));
				System.out.println(r);
				results.add(r);
			}
		}
		return results;
	}

	static Result probe(Deployment d, int trials) {
		if (d.size() < 2) {
			throw new IllegalArgumentException("The staleness probe needs two nodes; '" + d.provider().id()
					+ "' runs one.");
		}
		SessionFactory a = d.node(0);
		SessionFactory b = d.node(1);
		Statistics sa = a.getStatistics();
		Statistics sb = b.getStatistics();
		int primed = 0;
		int staleFirst = 0;
		int hitsFirst = 0;
		int missesFirst = 0;
		int staleSecond = 0;
		int hitsSecond = 0;
		int staleA = 0;
		int hitsA = 0;
		long start = System.nanoTime();
		for (int t = 0; t < trials; t++) {
			long id = t % BenchData.BOOKS + 1;
			// both nodes hold the old value: read twice on B (the second read must be a hit) and once on A
			BenchData.findBook(b, id);
			long hitsBefore = sb.getSecondLevelCacheHitCount();
			BenchData.findBook(b, id);
			if (sb.getSecondLevelCacheHitCount() > hitsBefore) {
				primed++;
			}
			BenchData.findBook(a, id);

			int price = 1_000_000 + t;
			BenchData.updatePrice(a, id, price);

			long hb = sb.getSecondLevelCacheHitCount();
			long mb = sb.getSecondLevelCacheMissCount();
			int first = BenchData.findBook(b, id);
			hitsFirst += (int) (sb.getSecondLevelCacheHitCount() - hb);
			missesFirst += (int) (sb.getSecondLevelCacheMissCount() - mb);
			if (first != price) {
				staleFirst++;
			}
			hb = sb.getSecondLevelCacheHitCount();
			int second = BenchData.findBook(b, id);
			hitsSecond += (int) (sb.getSecondLevelCacheHitCount() - hb);
			if (second != price) {
				staleSecond++;
			}
			long ha = sa.getSecondLevelCacheHitCount();
			int onA = BenchData.findBook(a, id);
			hitsA += (int) (sa.getSecondLevelCacheHitCount() - ha);
			if (onA != price) {
				staleA++;
			}
		}
		return new Result(d.provider(), trials, primed, staleFirst, hitsFirst, missesFirst, staleSecond, hitsSecond,
				staleA, hitsA, (System.nanoTime() - start) / 1_000_000, null);
	}
}
