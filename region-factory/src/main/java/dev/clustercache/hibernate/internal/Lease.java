package dev.clustercache.hibernate.internal;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * The freshness lease of DESIGN.md §4.5: this node may serve from and put into its caches only while every other member
 * of its current view has answered a heartbeat that this node sent less than {@code leaseNanos} ago. Only this node's
 * own monotonic clock is read: a heartbeat sent at local time {@code s} and answered proves the member had this node in
 * its view after {@code s}; since the lease is shorter than the failure-detection timeout, the member cannot have
 * excluded this node (and committed writes without it) before {@code s + lease}.
 * <p>
 * {@link #validSinceNanos()} is the start of the current unbroken validity: loads registered before it, and
 * transactions that started before {@link #validSinceTimestamp()}, must not put.
 */
final class Lease {

	private final Clock clock;
	private final long leaseNanos;
	private final Map<Object, Long> lastAckedSend = new HashMap<>();
	/** The members other than this node in the current view. */
	private Collection<?> others = java.util.List.of();
	/** When the lease runs out; {@link Long#MAX_VALUE} with no other member, {@link Long#MIN_VALUE} when not valid. */
	private volatile long deadline = Long.MAX_VALUE;
	private volatile long validSinceNanos;
	private volatile long validSinceTimestamp;
	/** Answers to heartbeats sent before this count for nothing (set by a merge). */
	private long notBefore = Long.MIN_VALUE;
	/** Between {@link #suspend()} and {@link #restart()}: not valid, and no answer counts. */
	private boolean suspended;
	/** After {@link #stop()}: suspended for good. */
	private boolean stopped;

	Lease(Clock clock, long leaseNanos) {
		this.clock = clock;
		this.leaseNanos = leaseNanos;
		this.validSinceNanos = clock.nanoTime();
		this.validSinceTimestamp = clock.timestamp();
	}

	/** Whether this node may serve from its caches now: one volatile read and a clock read. */
	boolean valid() {
		return validAt(clock.nanoTime());
	}

	/** This lease's clock, read once by a hit for the lease and for the entry's expiration. */
	long nanoTime() {
		return clock.nanoTime();
	}

	/** Whether this node may serve from its caches at {@code nanos}, a reading of {@link #nanoTime()}. */
	boolean validAt(long nanos) {
		long d = deadline;
		return d == Long.MAX_VALUE || (d != Long.MIN_VALUE && nanos - d < 0);
	}

	long validSinceNanos() {
		return validSinceNanos;
	}

	long validSinceTimestamp() {
		return validSinceTimestamp;
	}

	long leaseNanos() {
		return leaseNanos;
	}

	/** A new view: forget members that left; members that joined must answer a heartbeat before the lease holds. */
	synchronized void viewChanged(Collection<?> otherMembers) {
		lastAckedSend.keySet().retainAll(otherMembers);
		others = java.util.List.copyOf(otherMembers);
		recompute();
	}

	/** {@code member}'s earlier answers count for nothing: it must answer a heartbeat sent after now. */
	synchronized void forget(Object member) {
		if (lastAckedSend.remove(member) != null) {
			recompute();
		}
	}

	/**
	 * Ends the lease at once until {@link #restart()}: answers that arrive meanwhile count for nothing, whenever their
	 * heartbeats were sent. A node suspends it before it clears its regions (a merge), so that no answer makes it
	 * valid while some region still holds what the clear is for; and for good when it stops.
	 */
	synchronized void suspend() {
		suspended = true;
		deadline = Long.MIN_VALUE;
	}

	/** Suspended for good: the node stopped, and nothing it holds may be served any more. */
	synchronized void stop() {
		stopped = true;
		suspend();
	}

	/** After a merge, once the regions are clear: every member must answer a heartbeat sent after now. */
	synchronized void restart() {
		suspended = stopped;
		notBefore = clock.nanoTime();
		lastAckedSend.clear();
		deadline = Long.MIN_VALUE;
		recompute();
	}

	/** {@code member} answered a heartbeat sent at local time {@code sentNanos}. */
	synchronized void acknowledged(Object member, long sentNanos) {
		if (suspended || !others.contains(member) || (notBefore != Long.MIN_VALUE && sentNanos - notBefore < 0)) {
			return;
		}
		lastAckedSend.merge(member, sentNanos, Math::max);
		recompute();
	}

	private void recompute() {
		if (suspended) {
			deadline = Long.MIN_VALUE;
			return;
		}
		long now = clock.nanoTime();
		long old = deadline;
		boolean wasValid = old == Long.MAX_VALUE || (old != Long.MIN_VALUE && now - old < 0);
		long next;
		if (others.isEmpty()) {
			next = Long.MAX_VALUE;
		}
		else {
			next = Long.MAX_VALUE;
			for (Object m : others) {
				Long sent = lastAckedSend.get(m);
				if (sent == null) {
					next = Long.MIN_VALUE;
					break;
				}
				next = Math.min(next, sent + leaseNanos);
			}
		}
		boolean nowValid = next == Long.MAX_VALUE || (next != Long.MIN_VALUE && now - next < 0);
		if (nowValid && !wasValid) {
			validSinceNanos = now;
			validSinceTimestamp = clock.timestamp();
		}
		deadline = next;
	}

	/** For logs and health: the members whose answers are missing or too old. */
	synchronized String describe() {
		long now = clock.nanoTime();
		StringBuilder sb = new StringBuilder(valid() ? "valid" : "expired");
		for (Object m : others) {
			Long sent = lastAckedSend.get(m);
			sb.append(", ").append(ClusterNode.logicalName(m)).append(sent == null ? " never answered"
					: " answered a heartbeat sent " + (now - sent) / 1_000_000 + " ms ago");
		}
		return sb.toString();
	}
}
