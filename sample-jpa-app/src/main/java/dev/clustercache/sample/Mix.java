package dev.clustercache.sample;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;

/** The share of each operation in a workload, in parts per thousand. */
public enum Mix {
	/** 95% reads: what a cache is for. */
	READ_MOSTLY("read-mostly", 400, 200, 100, 120, 130, 40, 5, 5),
	/** 50% writes: many invalidations, many chances for a stale read. */
	WRITE_HEAVY("write-heavy", 200, 100, 50, 50, 100, 400, 50, 50);

	private final String label;
	private final Map<Operation, Integer> perMille = new EnumMap<>(Operation.class);
	private final Operation[] table = new Operation[1000];

	Mix(String label, int... weights) {
		this.label = label;
		Operation[] ops = Operation.values();
		int at = 0;
		for (int i = 0; i < ops.length; i++) {
			perMille.put(ops[i], weights[i]);
			for (int j = 0; j < weights[i]; j++) {
				table[at++] = ops[i];
			}
		}
		if (at != 1000) {
			throw new IllegalStateException("The weights of mix '" + label + "' add up to " + at + ", not 1000");
		}
	}

	public String label() {
		return label;
	}

	/** The share of {@code op}, in parts per thousand. */
	public int perMille(Operation op) {
		return perMille.get(op);
	}

	/** The share of reads, in parts per thousand. */
	public int readPerMille() {
		return perMille.entrySet().stream().filter(e -> e.getKey().isRead()).mapToInt(Map.Entry::getValue).sum();
	}

	Operation next(RandomGenerator random) {
		return table[random.nextInt(1000)];
	}

	/** Parses a mix by its label; fails listing the valid ones. */
	public static Mix of(String label) {
		String value = label.trim().toLowerCase(Locale.ROOT);
		for (Mix mix : values()) {
			if (mix.label.equals(value)) {
				return mix;
			}
		}
		throw new SampleException("Unknown mix '" + label + "'. Use one of: " + labels() + ".");
	}

	static String labels() {
		return Arrays.stream(values()).map(m -> "'" + m.label + "'").collect(Collectors.joining(", "));
	}
}
