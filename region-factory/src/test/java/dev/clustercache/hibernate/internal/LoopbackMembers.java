package dev.clustercache.hibernate.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.jgroups.JChannel;
import org.jgroups.util.Util;

import dev.clustercache.hibernate.jgroups.JGroupsStacks;

/**
 * Bare JGroups members on the shipped {@code localhost} stack, for the ITs of this package that start
 * {@link ClusterNode} on real channels.
 */
final class LoopbackMembers {

	static final long WAIT_SECONDS = 20;

	private LoopbackMembers() {
	}

	/**
	 * Connects one member per name to {@code cluster}, on the stack's own defaults (the first free port of
	 * 127.0.0.1:7800..7810, found by probing that range), and waits until each sees all of them. On failure the ones
	 * already connected are closed.
	 */
	static List<JChannel> connect(String cluster, String... names) throws Exception {
		List<JChannel> channels = new ArrayList<>();
		try {
			for (String name : names) {
				JChannel channel = JGroupsStacks.newChannel("localhost", Map.of(),
						LoopbackMembers.class.getClassLoader());
				channels.add(channel);
				channel.setName(name);
				channel.connect(cluster);
			}
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
			while (!channels.stream().allMatch(c -> c.getView().size() == names.length)) {
				if (System.nanoTime() > deadline) {
					throw new AssertionError("No " + names.length + "-member view within " + WAIT_SECONDS
							+ " s: " + channels.stream().map(c -> c.getName() + " sees " + c.getView()).toList());
				}
				Thread.sleep(20);
			}
			return channels;
		}
		catch (Exception | Error e) {
			for (int i = channels.size() - 1; i >= 0; i--) {
				Util.close(channels.get(i));
			}
			throw e;
		}
	}

	/** Waits until {@code condition} holds; if not within {@link #WAIT_SECONDS}, fails with every node's view. */
	static void await(String what, BooleanSupplier condition, ClusterNode... nodes)
			throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() - deadline > 0) {
				StringBuilder views = new StringBuilder();
				for (ClusterNode n : nodes) {
					views.append("; ").append(n.name()).append(" sees ").append(n.members()).append(", lease ")
							.append(n.lease().describe());
				}
				throw new AssertionError("Not within " + WAIT_SECONDS + " s: " + what + views);
			}
			Thread.sleep(10);
		}
	}
}
