package dev.clustercache.hibernate.internal;

import java.util.Iterator;

import org.jgroups.Message;
import org.jgroups.protocols.FORK;
import org.jgroups.protocols.TP;
import org.jgroups.protocols.TpHeader;
import org.jgroups.stack.MessageProcessingPolicy;
import org.jgroups.util.MessageBatch;

/**
 * The transport's message processing policy with one exception: out-of-band messages of ClusterCache's fork stack (the
 * openings and ends of write windows, invalidations, and the answers to them; not the heartbeats) go up on the thread
 * that read them off the network instead of being handed to the transport's thread pool. Every other message is left
 * to the policy the stack configured.
 * <p>
 * Why: a write waits for one round trip before its commit, and each hand-over between threads costs a wake-up, tens
 * of microseconds on a busy machine; the pool took two of the five hand-overs of a round trip (one on the member that
 * answers, one on the writer that reads the answer), and one more for the end of each window. Why it is safe: what
 * runs on the receiving thread never waits for the network. A member's handling of a window only updates its
 * validation state and removes keys from its local store; the writer's handling of an answer completes a future. The
 * answer itself is sent without flow control (the request carries {@code NO_FC}, the answer copies it), so it cannot
 * wait for credits that only this thread would read. JGroups' own {@code direct} policy runs whole regular messages
 * on that thread the same way.
 */
final class ForkDirectDelivery implements MessageProcessingPolicy {

	private final MessageProcessingPolicy delegate;
	private final String forkStack;
	private TP transport;

	private ForkDirectDelivery(MessageProcessingPolicy delegate, String forkStack) {
		this.delegate = delegate;
		this.forkStack = forkStack;
	}

	/**
	 * Puts the policy in front of {@code transport}'s own, unless one for the same fork stack is there already.
	 *
	 * @return the policy installed, to {@link #uninstall} when the fork closes, or null if none was installed
	 */
	static ForkDirectDelivery install(TP transport, String forkStack) {
		synchronized (transport) {
			MessageProcessingPolicy current = transport.msgProcessingPolicy();
			if (current == null || current instanceof ForkDirectDelivery) {
				return null;
			}
			ForkDirectDelivery policy = new ForkDirectDelivery(current, forkStack);
			policy.transport = transport;
			transport.msgProcessingPolicy(policy);
			return policy;
		}
	}

	/** Gives the transport its own policy back, if this one is still in front of it. */
	void uninstall() {
		synchronized (transport) {
			if (transport.msgProcessingPolicy() == this) {
				transport.msgProcessingPolicy(delegate);
			}
		}
	}

	/** Whether an out-of-band message (both callers check the flag already) belongs to ClusterCache's fork stack. */
	private boolean isOurs(Message msg) {
		return msg.getHeader(FORK.ID) instanceof FORK.ForkHeader header && forkStack.equals(header.getForkStackId());
	}

	@Override
	public void init(TP tp) {
		this.transport = tp;
		delegate.init(tp);
	}

	@Override
	public void reset() {
		delegate.reset();
	}

	@Override
	public void destroy() {
		delegate.destroy();
	}

	@Override
	public boolean loopback(Message msg, boolean oob) {
		return delegate.loopback(msg, oob);
	}

	@Override
	public boolean loopback(MessageBatch batch, boolean oob) {
		return delegate.loopback(batch, oob);
	}

	@Override
	public boolean process(Message msg, boolean oob) {
		if (oob && isOurs(msg)) {
			TpHeader header = msg.getHeader(transport.getId());
			transport.passMessageUp(msg, header == null ? null : header.clusterName(), true, msg.getDest() == null,
					true);
			return true;
		}
		return delegate.process(msg, oob);
	}

	@Override
	public boolean process(MessageBatch batch, boolean oob) {
		if (oob) {
			byte[] cluster = batch.clusterName() == null ? null : batch.clusterName().val();
			for (Iterator<Message> it = batch.iterator(); it.hasNext(); ) {
				Message msg = it.next();
				if (isOurs(msg)) {
					it.remove();
					transport.passMessageUp(msg, cluster, true, batch.multicast(), true);
				}
			}
			if (batch.isEmpty()) {
				return true;
			}
		}
		return delegate.process(batch, oob);
	}
}
