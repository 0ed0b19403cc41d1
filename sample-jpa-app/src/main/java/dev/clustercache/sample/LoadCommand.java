package dev.clustercache.sample;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "load", mixinStandardHelpOptions = true,
		description = { "Sends a bounded workload round-robin to the given nodes, shows progress, then prints a "
				+ "report: operations by kind, throughput, latency p50/p99, each node's cache hit ratio and the "
				+ "stale reads detected.",
				"A read is stale when it started after this client received the commit of a newer version of the "
						+ "row (from any node) and still returned an older one; listings are also checked against "
						+ "the rows whose state this client knows.",
				"Exit code 1 when a stale read was seen, 3 when operations failed." })
final class LoadCommand implements Callable<Integer> {

	@Option(names = "--nodes", required = true, split = ",", paramLabel = "URL",
			description = "Node URLs, comma separated, such as http://127.0.0.1:8081,http://127.0.0.1:8082.")
	List<String> nodes;

	static final class Bound {
		@Option(names = "--duration", description = "How long to run, such as 30s or 2m.")
		Duration duration;

		@Option(names = "--ops", description = "How many operations to run.")
		Long operations;
	}

	@ArgGroup(exclusive = true, multiplicity = "1")
	Bound bound;

	@Option(names = "--threads", defaultValue = "8", description = "Concurrent clients (default ${DEFAULT-VALUE}).")
	int threads;

	@Option(names = "--mix", defaultValue = "read-mostly",
			description = "read-mostly (95%% reads) or write-heavy (50%% writes); default ${DEFAULT-VALUE}.")
	Mix mix;

	@Option(names = "--seed", defaultValue = "42", description = "Random seed of the workload (default ${DEFAULT-VALUE}).")
	long seed;

	@Override
	public Integer call() {
		LoadOptions options = new LoadOptions(nodes, bound.duration, bound.operations, threads, mix, seed, System.err);
		LoadReport report = LoadRunner.run(options);
		System.out.print(ReportFormatter.format(report));
		return report.exitCode();
	}
}
