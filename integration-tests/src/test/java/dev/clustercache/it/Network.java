package dev.clustercache.it;

import org.infinispan.factories.GlobalComponentRegistry;
import org.infinispan.remoting.transport.Transport;
import org.infinispan.remoting.transport.jgroups.JGroupsTransport;
import org.jgroups.JChannel;
import org.jgroups.protocols.DISCARD;
import org.jgroups.protocols.TP;
import org.jgroups.stack.ProtocolStack;
import org.jgroups.util.Util;

/** Faults injected into one node's JGroups channel with JGroups' own DISCARD protocol, just above the transport. */
final class Network {

	private Network() {
	}

	static JChannel channel(TestNode node) {
		Transport transport = GlobalComponentRegistry.of(node.regionFactory().getCacheManager())
				.getComponent(Transport.class);
		return ((JGroupsTransport) transport).getChannel();
	}

	/** The node neither sends nor receives anything, like a frozen process or a cut cable. */
	static void isolate(TestNode node) throws Exception {
		discard(node).discardAll(true);
	}

	/** The node sends but hears nothing from the others. */
	static void deafen(TestNode node) throws Exception {
		discard(node).setUpDiscardRate(1.0);
	}

	private static DISCARD discard(TestNode node) throws Exception {
		JChannel ch = channel(node);
		DISCARD d = ch.getProtocolStack().findProtocol(DISCARD.class);
		if (d == null) {
			d = new DISCARD();
			d.setAddress(ch.getAddress());
			d.excludeItself(true);
			ch.getProtocolStack().insertProtocol(d, ProtocolStack.Position.ABOVE, TP.class);
		}
		return d;
	}

	static void heal(TestNode node) {
		channel(node).getProtocolStack().removeProtocol(DISCARD.class);
	}

	/** Closes the node's channel abruptly, without saying goodbye: a crashed process, as the others see it. */
	static void crash(TestNode node) throws Exception {
		Util.shutdown(channel(node));
	}
}
