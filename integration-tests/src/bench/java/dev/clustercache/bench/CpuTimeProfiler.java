package dev.clustercache.bench;

import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.List;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * CPU time of the whole fork (every thread: the benchmark's, JGroups', GC, JIT) per operation, as
 * {@code cpu.time.norm} in ns/op. On a shared machine the wall-clock throughput of a fork swings with what else runs;
 * the CPU a provider burns per operation does much less, so the report gives both. Use it with
 * {@code -prof dev.clustercache.bench.CpuTimeProfiler}.
 */
public final class CpuTimeProfiler implements InternalProfiler {

	private final com.sun.management.OperatingSystemMXBean os =
			(com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
	private long before;

	@Override
	public String getDescription() {
		return "CPU time of the whole fork per operation";
	}

	@Override
	public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
		before = os.getProcessCpuTime();
	}

	@Override
	@SuppressWarnings("rawtypes") // JMH's signature
	public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams,
			IterationParams iterationParams, IterationResult result) {
		long cpu = os.getProcessCpuTime() - before;
		long ops = result.getMetadata() == null ? 0 : result.getMetadata().getMeasuredOps();
		if (ops <= 0 || cpu < 0) {
			return List.of();
		}
		return List.of(new ScalarResult("cpu.time.norm", (double) cpu / ops, "ns/op", AggregationPolicy.AVG));
	}
}
