package dev.clustercache.hibernate.internal;

import java.util.List;

import javax.sql.DataSource;

import org.infinispan.remoting.transport.jgroups.JGroupsChannelConfigurator;
import org.jgroups.JChannel;
import org.jgroups.conf.ProtocolConfiguration;
import org.jgroups.util.SocketFactory;

/**
 * Hands Infinispan the JGroups channel that ClusterCache built from its stack. (Infinispan copies its global
 * configuration, and with it makes a new transport, so passing a transport instance does not carry the channel over;
 * a channel configurator in the transport properties does.)
 */
final class ProvidedChannel implements JGroupsChannelConfigurator {

	private final String stackName;
	private final JChannel channel;
	private volatile boolean taken;

	ProvidedChannel(String stackName, JChannel channel) {
		this.stackName = stackName;
		this.channel = channel;
	}

	@Override
	public String getName() {
		return stackName;
	}

	@Override
	public JChannel createChannel(String name) {
		if (taken) {
			throw new IllegalStateException("The JGroups channel of stack '" + stackName + "' was already taken");
		}
		taken = true;
		return channel;
	}

	boolean taken() {
		return taken;
	}

	@Override
	public void setSocketFactory(SocketFactory socketFactory) {
		// the channel is built already
	}

	@Override
	public void setDataSource(DataSource dataSource) {
		// the channel is built already
	}

	@Override
	public String getProtocolStackString() {
		return channel.getProtocolStack().printProtocolSpecAsXML();
	}

	@Override
	public List<ProtocolConfiguration> getProtocolStack() {
		return List.of();
	}
}
