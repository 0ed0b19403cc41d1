package dev.clustercache.bench;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The workloads of issue 7, each on one provider per fork. Every operation opens its own session on node A, as a web
 * request would; reads run without a transaction (a hit never touches JDBC), the update commits one. For clustered
 * providers node B is up, has warmed its caches like A, and must be invalidated by every update on A.
 * <p>
 * The defaults here are the suite's full run (see {@link Suite}); for development pass JMH's own options, for example
 * {@code -f 1 -wi 1 -i 1 -w 1s -r 1s -p provider=limit,clustercache-cluster}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+UseParallelGC", "-Djava.net.preferIPv4Stack=true",
		"-Dhazelcast.phone.home.enabled=false"})
// the JIT needs about 6 s of a workload before a fork's throughput settles (8 s for queryHit); 1 s iterations then
// give a median of five within the suite's time budget (under 30 minutes on 2 cores)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 1)
public class CacheBenchmark {

	/** The providers measured by default: every one of {@link Provider}. */
	@Param({"none", "limit", "jcache", "infinispan-local", "infinispan-cluster", "hazelcast-local",
			"hazelcast-cluster", "clustercache-local", "clustercache-cluster", "clustercache-replicated",
			"clustercache-distributed"})
	public String provider;

	private Deployment deployment;
	private SessionFactoryImplementor a;
	private final AtomicInteger prices = new AtomicInteger(1_000);

	/**
	 * Starts the provider and fills every node's caches with what this workload reads: the run measures hits on A,
	 * and a clustered provider's updates on A meet B holding the entries they invalidate.
	 */
	@Setup(Level.Trial)
	public void start(BenchmarkParams params) {
		long t0 = System.nanoTime();
		deployment = Deployment.start(Provider.of(provider), false);
		a = deployment.node(0);
		long t1 = System.nanoTime();
		String workload = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
		for (int i = 0; i < deployment.size() && deployment.provider() != Provider.NONE; i++) {
			BenchData.warmFor(deployment.node(i), workload);
		}
		System.out.printf("%n[%s] %d node(s) started in %d ms, warmed for %s in %d ms%n", provider,
				deployment.size(), (t1 - t0) / 1_000_000, workload, (System.nanoTime() - t1) / 1_000_000);
	}

	@TearDown(Level.Trial)
	public void stop() {
		if (deployment != null) {
			deployment.close();
		}
	}

	@Benchmark
	@Threads(1)
	public int findHit() {
		return BenchData.findBook(a, BenchData.randomBook());
	}

	@Benchmark
	@Threads(2)
	public int findHit2Threads() {
		return BenchData.findBook(a, BenchData.randomBook());
	}

	@Benchmark
	@Threads(1)
	@Warmup(iterations = 4, time = 2)
	public int queryHit() {
		return BenchData.shelf(a, ThreadLocalRandom.current().nextInt(BenchData.QUERIED_SHELVES));
	}

	@Benchmark
	@Threads(1)
	public int collectionHit() {
		return BenchData.publisherBooks(a, BenchData.randomPublisher());
	}

	/**
	 * A clustered write runs code of JGroups and Infinispan that the hits never run, and JIT-compiles it slowly: with
	 * three 2 s warmups a clustered provider was still two to five times faster in each measured iteration than in
	 * the one before. Ten 2 s warmups reach the steady state (iterations within the noise) for every provider.
	 */
	@Benchmark
	@Threads(1)
	@Warmup(iterations = 10, time = 2)
	public int updateCommit() {
		return BenchData.updatePrice(a, BenchData.randomBook(), prices.incrementAndGet());
	}
}
