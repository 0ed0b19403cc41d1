package dev.clustercache.hibernate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.blocks.MessageDispatcher;
import org.jgroups.blocks.RequestOptions;
import org.jgroups.blocks.ResponseMode;
import org.jgroups.fork.ForkChannel;
import org.jgroups.protocols.FORK;
import org.jgroups.protocols.TP;
import org.jgroups.stack.MessageProcessingPolicy;
import org.jgroups.stack.ProtocolStack;
import org.jgroups.util.RspList;
import org.jgroups.util.Util;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two real JGroups members on 127.0.0.1 (the shipped {@code localhost} stack): ClusterCache's round trips run on the
 * thread that read them off the network, on both sides, and every other message still goes where the stack's own
 * policy sends it. A thread is recognised by its name: JGroups names the TCP reading thread {@code Connection.Receiver}
 * and its pool threads {@code jgroups-N}.
 */
class ForkDirectDeliveryIT {

	private static final String RECEIVER = "Connection.Receiver";
	private static final long WAIT_SECONDS = LoopbackMembers.WAIT_SECONDS;

	private final List<JChannel> channels = new ArrayList<>();
	private final List<Runnable> cleanups = new ArrayList<>();
	private JChannel a;
	private JChannel b;

	@BeforeEach
	void startTwoMembers() throws Exception {
		channels.addAll(LoopbackMembers.connect("ForkDirectDeliveryIT", "A", "B"));
		a = channels.get(0);
		b = channels.get(1);
	}

	@AfterEach
	void stopAll() {
		for (int i = cleanups.size() - 1; i >= 0; i--) {
			cleanups.get(i).run();
		}
		for (int i = channels.size() - 1; i >= 0; i--) {
			Util.close(channels.get(i));
		}
	}

	@Test
	void writeWindowOpening_andItsAsynchronousEnd_areHandledOnTheReceivingThread() throws Exception {
		ClusterNode nodeA = ClusterNode.start(a, Clock.SYSTEM, TimeUnit.SECONDS.toNanos(3), null, 10_000,
				TimeUnit.SECONDS.toNanos(60));
		cleanups.add(() -> {
			nodeA.stop();
			nodeA.close();
		});
		ClusterNode nodeB = ClusterNode.start(b, Clock.SYSTEM, TimeUnit.SECONDS.toNanos(3), null, 10_000,
				TimeUnit.SECONDS.toNanos(60));
		cleanups.add(() -> {
			nodeB.stop();
			nodeB.close();
		});
		BlockingQueue<String> begins = new ArrayBlockingQueue<>(10);
		BlockingQueue<String> ends = new ArrayBlockingQueue<>(10);
		nodeB.register("d:books", new ClusterNode.Participant() {
			@Override
			public void onBeginWrite(Object key, Writer writer) {
				begins.add(Thread.currentThread().getName());
			}

			@Override
			public void onEndWrite(Object key, Writer writer) {
				ends.add(Thread.currentThread().getName());
			}

			@Override
			public void onReset() {
			}
		});
		awaitMembers(nodeA, 2);

		ClusterNode.Window window = nodeA.openRemote("d:books", null, nodeA.newWriter());
		assertThat(begins.poll(0, TimeUnit.SECONDS)).as("B's begin, run before A's open returned")
				.startsWith(RECEIVER);
		assertThat(window.registered()).as("B acknowledged the window").hasSize(1);

		nodeA.closeRemote(window);
		assertThat(ends.poll(WAIT_SECONDS, TimeUnit.SECONDS)).as("B's end of the window (sent without waiting)")
				.startsWith(RECEIVER);
	}

	@Test
	void onlyOwnForksOutOfBandMessages_skipTheConfiguredPolicy_untilUninstalled() throws Exception {
		TP transportA = a.getProtocolStack().getTransport();
		TP transportB = b.getProtocolStack().getTransport();
		MessageProcessingPolicy configuredB = transportB.msgProcessingPolicy();
		ForkDirectDelivery policyA = ForkDirectDelivery.install(transportA, ClusterNode.FORK_STACK);
		ForkDirectDelivery policyB = ForkDirectDelivery.install(transportB, ClusterNode.FORK_STACK);
		cleanups.add(policyA::uninstall);
		cleanups.add(policyB::uninstall);
		assertThat(ForkDirectDelivery.install(transportB, ClusterNode.FORK_STACK)).as("installed once per transport")
				.isNull();

		MessageDispatcher ownA = dispatcher(a, ClusterNode.FORK_STACK);
		dispatcher(b, ClusterNode.FORK_STACK);
		MessageDispatcher otherA = dispatcher(a, "another-fork-stack");
		dispatcher(b, "another-fork-stack");
		Address target = b.getAddress();

		Handled outOfBand = roundTrip(ownA, target, true);
		assertThat(outOfBand.handler).as("B handles our out-of-band request").startsWith(RECEIVER);
		assertThat(outOfBand.answer).as("A reads B's answer").startsWith(RECEIVER);

		assertThat(roundTrip(ownA, target, false).handler).as("our regular (ordered) message")
				.doesNotStartWith(RECEIVER);
		Handled otherStack = roundTrip(otherA, target, true);
		assertThat(otherStack.handler).as("another fork stack's out-of-band request").doesNotStartWith(RECEIVER);
		assertThat(otherStack.answer).as("its answer").doesNotStartWith(RECEIVER);

		policyB.uninstall();
		assertThat(transportB.msgProcessingPolicy()).isSameAs(configuredB);
		assertThat(roundTrip(ownA, target, true).handler).as("after uninstall").doesNotStartWith(RECEIVER);
	}

	private record Handled(String handler, String answer) {
	}

	/**
	 * Sends a request to {@code target}: the names of the thread that handled it there and of the one that read the
	 * answer.
	 */
	private static Handled roundTrip(MessageDispatcher dispatcher, Address target, boolean outOfBand)
			throws Exception {
		String[] answerThread = new String[1];
		RequestOptions options = new RequestOptions(ResponseMode.GET_ALL, TimeUnit.SECONDS.toMillis(WAIT_SECONDS))
				.rspFilter(new org.jgroups.blocks.RspFilter() {
					@Override
					public boolean isAcceptable(Object response, Address sender) {
						answerThread[0] = Thread.currentThread().getName();
						return true;
					}

					@Override
					public boolean needMoreResponses() {
						return true;
					}
				});
		if (outOfBand) {
			options.flags(Message.Flag.OOB, Message.Flag.NO_FC);
		}
		RspList<Object> answers = dispatcher.castMessage(List.of(target), new BytesMessage(null, new byte[] {1}),
				options);
		assertThat(answers.isReceived(target)).as("answer of %s: %s", target, answers).isTrue();
		// the filter ran before the answer completed the call
		return new Handled((String) answers.getValue(target), answerThread[0]);
	}

	private MessageDispatcher dispatcher(JChannel main, String forkStack) throws Exception {
		ForkChannel fork = new ForkChannel(main, forkStack, "probe", true, ProtocolStack.Position.ABOVE, FORK.class);
		MessageDispatcher dispatcher = new MessageDispatcher(fork, msg -> Thread.currentThread().getName());
		fork.connect("ignored");
		cleanups.add(() -> {
			dispatcher.stop();
			fork.close();
		});
		return dispatcher;
	}

	private static void awaitMembers(ClusterNode node, int count) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
		while (node.members().size() < count) {
			if (System.nanoTime() > deadline) {
				throw new AssertionError("Node " + node.name() + " sees " + node.members());
			}
			Thread.sleep(20);
		}
	}
}
