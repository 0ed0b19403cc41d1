package dev.clustercache.hibernate.internal;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import javax.management.ReflectionException;

import org.jboss.logging.Logger;

/**
 * The MBeans of one node under the domain {@code dev.clustercache}: {@code type=Node,cluster=<c>,node=<n>} and
 * {@code type=Region,cluster=<c>,node=<n>,name=<region>}. The node name keeps several nodes in one JVM apart. Read-only
 * attributes, each read from a counter: no network call.
 */
final class JmxBeans {

	static final String DOMAIN = "dev.clustercache";

	private static final Logger LOG = Logger.getLogger("dev.clustercache.hibernate");

	private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
	private final String cluster;
	private final String node;
	private final List<ObjectName> registered = new ArrayList<>();

	JmxBeans(String cluster, String node) {
		this.cluster = cluster;
		this.node = node;
	}

	void registerNode(Bean bean) {
		register(objectName("type=Node,cluster=" + value(cluster) + ",node=" + value(node)), bean);
	}

	void registerRegion(String region, Bean bean) {
		register(objectName("type=Region,cluster=" + value(cluster) + ",node=" + value(node) + ",name="
				+ value(region)), bean);
	}

	private synchronized void register(ObjectName name, Bean bean) {
		try {
			if (registered.remove(name)) {
				server.unregisterMBean(name); // the region was built again
			}
			server.registerMBean(bean, name);
			registered.add(name);
		}
		catch (InstanceAlreadyExistsException e) {
			LOG.warnf("%s: the MBean '%s' is taken by another ClusterCache in this JVM, so this node's figures are not "
					+ "in JMX. Give each SessionFactory a distinct 'hibernate.cache.clustercache.node_name'.", node,
					name);
		}
		catch (JMException | SecurityException e) {
			LOG.warnf(e, "%s: could not register the MBean '%s'; this node's figures are not in JMX", node, name);
		}
	}

	synchronized void unregisterAll() {
		for (ObjectName name : registered) {
			try {
				server.unregisterMBean(name);
			}
			catch (JMException | SecurityException e) {
				LOG.debugf(e, "%s: could not unregister the MBean '%s'", node, name);
			}
		}
		registered.clear();
	}

	private static ObjectName objectName(String keys) {
		try {
			return new ObjectName(DOMAIN + ":" + keys);
		}
		catch (MalformedObjectNameException e) {
			throw new IllegalArgumentException(e.getMessage(), e);
		}
	}

	/** A key's value, quoted when it holds a character that ObjectName reserves. */
	static String value(String s) {
		for (int i = 0; i < s.length(); i++) {
			if (",=:\"*?\\\n".indexOf(s.charAt(i)) >= 0) {
				return ObjectName.quote(s);
			}
		}
		return s.isEmpty() ? ObjectName.quote(s) : s;
	}

	/** A read-only MBean whose attributes are suppliers, so that no public MBean interface is needed. */
	static final class Bean implements DynamicMBean {

		private record Attr(MBeanAttributeInfo info, Supplier<?> value) {
		}

		private final String description;
		private final Map<String, Attr> attributes = new LinkedHashMap<>();

		Bean(String description) {
			this.description = description;
		}

		Bean add(String name, Class<?> type, String description, Supplier<?> value) {
			attributes.put(name, new Attr(new MBeanAttributeInfo(name, type.getName(), description, true, false,
					false), value));
			return this;
		}

		@Override
		public Object getAttribute(String name) throws AttributeNotFoundException {
			Attr a = attributes.get(name);
			if (a == null) {
				throw new AttributeNotFoundException("No attribute '" + name + "'; the attributes are "
						+ attributes.keySet());
			}
			return a.value().get();
		}

		@Override
		public void setAttribute(Attribute attribute) throws AttributeNotFoundException {
			throw new AttributeNotFoundException("The attribute '" + attribute.getName() + "' is read-only");
		}

		@Override
		public AttributeList getAttributes(String[] names) {
			AttributeList list = new AttributeList();
			for (String name : names) {
				Attr a = attributes.get(name);
				if (a != null) {
					list.add(new Attribute(name, a.value().get()));
				}
			}
			return list;
		}

		@Override
		public AttributeList setAttributes(AttributeList list) {
			return new AttributeList();
		}

		@Override
		public Object invoke(String action, Object[] params, String[] signature) throws ReflectionException {
			throw new ReflectionException(new NoSuchMethodException(action), "ClusterCache MBeans have no operations");
		}

		@Override
		public MBeanInfo getMBeanInfo() {
			return new MBeanInfo(getClass().getName(), description,
					attributes.values().stream().map(Attr::info).toArray(MBeanAttributeInfo[]::new), null, null, null);
		}
	}
}
