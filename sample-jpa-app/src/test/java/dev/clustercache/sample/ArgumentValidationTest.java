package dev.clustercache.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Bad input ends with one line that says what is wrong and how to fix it, and exit code 2; nothing is started. */
class ArgumentValidationTest {

	private final StringWriter out = new StringWriter();
	private final StringWriter err = new StringWriter();

	private int run(String... args) {
		return Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
	}

	private String errorLine() {
		String text = err.toString().strip();
		assertThat(text.lines()).as("one line: " + text).hasSize(1);
		assertThat(text).startsWith("error: ");
		return text;
	}

	@Test
	void load_withoutDurationOrOps_fails() {
		assertThat(run("load", "--nodes", "http://127.0.0.1:8081")).isEqualTo(2);
		assertThat(errorLine()).contains("--duration").contains("--ops").contains("See 'sample-jpa-app load --help'.");
	}

	@Test
	void load_withDurationAndOps_fails() {
		assertThat(run("load", "--nodes", "http://127.0.0.1:8081", "--duration", "5s", "--ops", "10")).isEqualTo(2);
		assertThat(errorLine()).contains("mutually exclusive");
	}

	@Test
	void load_withABadDuration_namesTheOptionAndTheAcceptedForms() {
		assertThat(run("load", "--nodes", "http://127.0.0.1:8081", "--duration", "soon")).isEqualTo(2);
		assertThat(errorLine()).contains("'--duration'").contains("'soon' is not a duration").contains("'30s'");
	}

	@Test
	void load_withAnUnknownMix_listsTheMixes() {
		assertThat(run("load", "--nodes", "http://127.0.0.1:8081", "--ops", "5", "--mix", "balanced")).isEqualTo(2);
		assertThat(errorLine()).contains("'balanced' is not a mix").contains("'read-mostly', 'write-heavy'");
	}

	@Test
	void load_withABadNodeUrl_showsTheExpectedForm() {
		assertThat(run("load", "--nodes", "127.0.0.1:8081", "--ops", "5")).isEqualTo(2);
		assertThat(errorLine()).contains("Invalid node URL '127.0.0.1:8081'").contains("'http://127.0.0.1:8081'");
	}

	@Test
	void node_withAnUnsupportedDatabase_listsTheSupportedOnes() {
		assertThat(run("node", "--db", "jdbc:oracle:thin:@x:1521:db")).isEqualTo(2);
		assertThat(errorLine()).contains("Unsupported database URL 'jdbc:oracle:thin:@x:1521:db'")
				.contains("jdbc:postgresql://");
	}

	@Test
	void node_withAPortOutOfRange_fails() {
		assertThat(run("node", "--db", "jdbc:h2:tcp://127.0.0.1:1/mem:x", "--port", "70000")).isEqualTo(2);
		assertThat(errorLine()).contains("Invalid value for '--port': '70000'");
	}

	@Test
	void cluster_withNoNodes_failsBeforeStartingAnything() {
		assertThat(run("cluster", "--nodes", "0")).isEqualTo(2);
		assertThat(errorLine()).contains("Invalid value for '--nodes': '0'");
	}

	@Test
	void unknownOption_fails() {
		assertThat(run("node", "--db", "jdbc:h2:mem:x", "--colour", "blue")).isEqualTo(2);
		assertThat(errorLine()).contains("Unknown option").contains("'--colour'");
	}

	@Test
	void everyCommand_hasHelp() {
		for (String command : List.of("cluster", "db", "seed", "node", "load")) {
			assertThat(run(command, "--help")).as(command).isZero();
		}
		assertThat(out.toString()).contains("Usage: sample-jpa-app cluster").contains("Usage: sample-jpa-app load");
	}

	@Test
	void loadOptions_normalizeUrlsAndCheckRanges() {
		LoadOptions o = new LoadOptions(List.of("http://127.0.0.1:8081/"), Duration.ofSeconds(1), null, 4,
				Mix.WRITE_HEAVY, 1, null);
		assertThat(o.nodes()).containsExactly("http://127.0.0.1:8081");
		assertThatThrownBy(() -> new LoadOptions(List.of(), Duration.ofSeconds(1), null, 4, null, 1, null))
				.hasMessageContaining("No nodes given");
		assertThatThrownBy(() -> new LoadOptions(List.of("http://127.0.0.1:1"), Duration.ZERO, null, 4, null, 1, null))
				.hasMessageContaining("Expected a positive duration");
		assertThatThrownBy(() -> new LoadOptions(List.of("http://127.0.0.1:1"), null, 0L, 4, null, 1, null))
				.hasMessage("Invalid value for '--ops': '0'. Expected 1 or more.");
		assertThatThrownBy(() -> new LoadOptions(List.of("http://127.0.0.1:1"), null, 5L, 0, null, 1, null))
				.hasMessage("Invalid value for '--threads': '0'. Expected 1 to 256.");
	}

	@Test
	void loadOptions_forFaultTests_keepTheirSettingsAndRejectANegativeCap() {
		LoadOptions o = LoadOptions.forDuration(List.of("http://127.0.0.1:8081"), Duration.ofSeconds(1), Mix.READ_MOSTLY);
		assertThat(o.maxInFlightPerNode()).isZero();
		assertThat(o.listener()).isNull();
		assertThat(o.stopSignal()).isNull();
		LoadOptions capped = o.withMaxInFlightPerNode(3).withListener(e -> { }).withStopSignal(() -> true).withThreads(5);
		assertThat(capped.maxInFlightPerNode()).isEqualTo(3);
		assertThat(capped.threads()).isEqualTo(5);
		assertThat(capped.listener()).isNotNull();
		assertThat(capped.stopSignal().getAsBoolean()).isTrue();
		assertThatThrownBy(() -> o.withMaxInFlightPerNode(-1))
				.hasMessage("Invalid value for 'maxInFlightPerNode': '-1'. Expected 0 (no cap) or more.");
	}

	@Test
	void durations_acceptUnitsAndIso() {
		assertThat(Durations.parse("--duration", "30s")).isEqualTo(Duration.ofSeconds(30));
		assertThat(Durations.parse("--duration", "2m")).isEqualTo(Duration.ofMinutes(2));
		assertThat(Durations.parse("--duration", "500ms")).isEqualTo(Duration.ofMillis(500));
		assertThat(Durations.parse("--duration", "PT45S")).isEqualTo(Duration.ofSeconds(45));
		assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
		assertThat(Durations.format(Duration.ofMinutes(2))).isEqualTo("2m");
		assertThatThrownBy(() -> Durations.parse("--duration", "30"))
				.hasMessage("Invalid value for '--duration': '30'. Expected a duration such as '30s', '2m', '500ms' "
						+ "or 'PT30S'.");
	}

	@Test
	void mixes_addUpToAThousandAndReadMostlyIsMostlyReads() {
		assertThat(Mix.READ_MOSTLY.readPerMille()).isEqualTo(950);
		assertThat(Mix.WRITE_HEAVY.readPerMille()).isEqualTo(500);
		assertThat(Mix.of(" Write-Heavy ")).isEqualTo(Mix.WRITE_HEAVY);
	}

	@Test
	void percentiles_useTheNearestRank() {
		long[] sorted = new long[100];
		for (int i = 0; i < 100; i++) {
			sorted[i] = (i + 1) * 1_000_000L;
		}
		assertThat(LoadRunner.percentileMillis(sorted, 0.50)).isEqualTo(50.0);
		assertThat(LoadRunner.percentileMillis(sorted, 0.99)).isEqualTo(99.0);
		assertThat(LoadRunner.percentileMillis(new long[0], 0.99)).isZero();
	}
}
