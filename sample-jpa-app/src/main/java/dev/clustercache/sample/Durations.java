package dev.clustercache.sample;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations written with a unit ({@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}) or in ISO-8601. */
final class Durations {

	private static final Pattern WITH_UNIT = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

	private Durations() {
	}

	static Duration parse(String option, String text) {
		String value = text.trim().toLowerCase(Locale.ROOT);
		Matcher m = WITH_UNIT.matcher(value);
		if (m.matches()) {
			long amount = Long.parseLong(m.group(1));
			return switch (m.group(2)) {
				case "ms" -> Duration.ofMillis(amount);
				case "s" -> Duration.ofSeconds(amount);
				case "m" -> Duration.ofMinutes(amount);
				default -> Duration.ofHours(amount);
			};
		}
		if (value.startsWith("pt")) {
			try {
				return Duration.parse(value.toUpperCase(Locale.ROOT));
			}
			catch (DateTimeParseException e) {
				// falls through to the message below
			}
		}
		throw new SampleException("Invalid value for '" + option + "': '" + text
				+ "'. Expected a duration such as '30s', '2m', '500ms' or 'PT30S'.");
	}

	/** Formats a duration the way {@link #parse} reads it, in the largest exact unit. */
	static String format(Duration d) {
		long ms = d.toMillis();
		if (ms % 3_600_000 == 0 && ms > 0) {
			return ms / 3_600_000 + "h";
		}
		if (ms % 60_000 == 0 && ms > 0) {
			return ms / 60_000 + "m";
		}
		if (ms % 1000 == 0) {
			return ms / 1000 + "s";
		}
		return ms + "ms";
	}
}
