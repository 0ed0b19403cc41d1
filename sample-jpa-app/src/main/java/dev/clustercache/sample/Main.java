package dev.clustercache.sample;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The sample's command line: {@code db}, {@code seed}, {@code node}, {@code load} and {@code cluster}. Exit codes:
 * 0 success, 1 stale reads detected, 2 bad input or an environment that does not let the command run, 3 operations
 * failed during a load.
 */
@Command(name = "sample-jpa-app", mixinStandardHelpOptions = true, version = "ClusterCache sample 0.1.0-SNAPSHOT",
		description = "A JPA application that runs on several JVMs behind round-robin, with ClusterCache as its "
				+ "second-level and query cache, and a load generator that reports stale reads.",
		subcommands = { ClusterCommand.class, DbCommand.class, SeedCommand.class, NodeCommand.class,
				LoadCommand.class },
		footer = { "", "Start here: java -jar sample-jpa-app.jar cluster --nodes 3" })
public final class Main implements Runnable {

	static {
		// H2 reads this once, when its classes load: its server listens on loopback only.
		System.setProperty("h2.bindAddress", "127.0.0.1");
	}

	/** Held, because the JUL keeps loggers only weakly and would forget the level of a collected one. */
	private static final Logger HIBERNATE_LOGGER = Logger.getLogger("org.hibernate");
	private static final Logger POOL_LOGGER = Logger.getLogger("org.hibernate.orm.connections.pooling");

	@CommandLine.Spec
	CommandLine.Model.CommandSpec spec;

	public static void main(String[] args) {
		System.exit(execute(args));
	}

	/** Runs a command as {@code main} would, returning the exit code instead of exiting. */
	public static int execute(String... args) {
		return execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
	}

	static int execute(PrintWriter out, PrintWriter err, String... args) {
		CommandLine cli = new CommandLine(new Main()).setOut(out).setErr(err);
		cli.registerConverter(Duration.class, text -> {
			try {
				return Durations.parse("duration", text);
			}
			catch (SampleException e) {
				throw new CommandLine.TypeConversionException("'" + text
						+ "' is not a duration; use '30s', '2m', '500ms' or 'PT30S'");
			}
		});
		cli.registerConverter(Mix.class, text -> {
			try {
				return Mix.of(text);
			}
			catch (SampleException e) {
				throw new CommandLine.TypeConversionException("'" + text + "' is not a mix; use " + Mix.labels());
			}
		});
		cli.setParameterExceptionHandler((ex, args2) -> {
			String message = ex.getMessage().replaceFirst("^Error: ", "").strip();
			err.println("error: " + message + (message.endsWith(".") ? "" : ".") + " See '"
					+ ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
			return SampleException.EXIT_BAD_INPUT;
		});
		cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
			if (ex instanceof SampleException e) {
				commandLine.getErr().println("error: " + e.getMessage());
				return e.exitCode();
			}
			throw ex;
		});
		return cli.execute(args);
	}

	@Override
	public void run() {
		throw new CommandLine.ParameterException(spec.commandLine(), "Missing command: give one of "
				+ String.join(", ", spec.subcommands().keySet()));
	}

	/** Keeps Hibernate's start-up chatter out of the output of commands that are not a node. */
	static void quietHibernate() {
		HIBERNATE_LOGGER.setLevel(Level.WARNING);
		// "Using built-in connection pool (not intended for production use)": known, and fine for seeding
		POOL_LOGGER.setLevel(Level.SEVERE);
	}

	/** With {@code --exit-with-parent}: exit when the launching JVM is gone, so that no process is left behind. */
	static void exitWithParent(String who) {
		ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> {
			System.err.println(who + ": the launching process exited; stopping.");
			System.exit(0);
		}));
	}

	/** Blocks until the JVM shuts down (Ctrl-C, SIGTERM). */
	static void awaitShutdown(Runnable onShutdown) {
		CountDownLatch stopped = new CountDownLatch(1);
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			onShutdown.run();
			stopped.countDown();
		}, "shutdown"));
		try {
			stopped.await();
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}
}
