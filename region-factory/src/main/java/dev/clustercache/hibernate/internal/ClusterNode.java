package dev.clustercache.hibernate.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.WeakHashMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import org.hibernate.cache.CacheException;
import org.jboss.logging.Logger;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.MergeView;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.ViewId;
import org.jgroups.blocks.MessageDispatcher;
import org.jgroups.blocks.RequestHandler;
import org.jgroups.blocks.RequestOptions;
import org.jgroups.blocks.ResponseMode;
import org.jgroups.fork.ForkChannel;
import org.jgroups.protocols.FORK;
import org.jgroups.stack.ProtocolStack;
import org.jgroups.util.Rsp;
import org.jgroups.util.RspList;

/**
 * This node's part of the invalidation protocol (DESIGN.md §4.1, §4.5): a JGroups fork channel on Infinispan's channel
 * that carries write windows (begin, end, invalidate; for a key or a whole region) and heartbeats for the freshness
 * lease, and that clears every region after a merge. Without a cluster ({@link #local}) it only runs the local side.
 * <p>
 * Public, stable APIs only: JGroups' {@link ForkChannel} and {@link MessageDispatcher}; nothing of Infinispan's
 * internals.
 */
final class ClusterNode implements RequestHandler, Receiver {

	/** The origin of write windows on a node without a cluster. */
	static final Object LOCAL = "local";

	/** Prefixes of region names on the wire, per kind: a query region may share its name with a domain region. */
	static final String DOMAIN = "d:";
	static final String QUERY = "q:";
	static final String TIMESTAMPS = "t:";

	static final String FORK_STACK = "clustercache";
	static final String FORK_CHANNEL = "clustercache-invalidation";

	private static final Logger LOG = Logger.getLogger("dev.clustercache.hibernate.cluster");

	private static final byte BEGIN = 1;
	private static final byte END = 2;
	private static final byte INVALIDATE = 3;
	private static final byte PING = 4;
	/** Opens several windows (each as a BEGIN); the answer has one flag per window: 1 if its region exists here. */
	private static final byte OPEN = 5;
	/** Ends several windows (each as an END); sent asynchronously. */
	private static final byte CLOSE = 6;
	/** Carries the sender's {@link RegionProfile}; answered TRUE if it agrees with the receiver's, else why not. */
	private static final byte PROFILE = 7;
	/** A heartbeat's answer when the receiver has not compared the sender's regions with its own yet: send them. */
	private static final Byte SEND_PROFILE = PROFILE;
	/** The sender stopped and serves nothing from its caches any more: no write needs to wait for its lease. */
	private static final byte RELEASE = 8;

	/** How long one round of a synchronous call waits before the members that did not answer are asked again. */
	private static final long RETRY_INTERVAL_MILLIS = 2_000;

	/** A region on this node, as the protocol sees it. A null key means the whole region. */
	interface Participant {
		void onBeginWrite(Object key, Writer writer);

		void onEndWrite(Object key, Writer writer);

		/** Invalidations were lost (a merge): clear everything and void pending loads. */
		void onReset();
	}

	/**
	 * The members a write window was opened on, to know at its end who must hear of it synchronously. {@code failed}:
	 * its opening failed, so its write cannot commit.
	 */
	record Window(String region, Object key, Writer writer, Set<Address> registered, long openedNanos,
			boolean failed) {

		Window(String region, Object key, Writer writer, Set<Address> registered, long openedNanos) {
			this(region, key, writer, registered, openedNanos, false);
		}

		/** A window whose opening failed: its write does not commit. */
		static Window ofFailedOpening(String region, Object key, Writer writer, long openedNanos) {
			return new Window(region, key, writer, Set.of(), openedNanos, true);
		}
	}

	private final Clock clock;
	private final Lease lease;
	private final KeyCodec codec;
	private final long invalidationTimeoutMillis;
	private final long lockTimeoutNanos;
	private final Map<String, Participant> participants = new ConcurrentHashMap<>();
	final NodeStatistics statistics = new NodeStatistics();
	private final AtomicLong writerIds = new AtomicLong();
	/** How writers wait for the answers to their openings: a short spin before parking, while it pays. */
	private final AnswerWait answerWait = new AnswerWait();
	/** Heartbeat requests (and clears asked) sent and not yet answered, cancelled or ended by a view change. */
	private final AtomicInteger pendingHeartbeats = new AtomicInteger();
	private final ForkChannel fork;
	private final MessageDispatcher dispatcher;
	/** Delivers this fork's round trips on the transport's receiving threads, while the fork is open. */
	private final ForkDirectDelivery directDelivery;
	private final ScheduledExecutorService heartbeats;
	private final String name;
	private String localName;
	private volatile View view;
	private volatile Address self;
	/** How this node keeps its domain regions; a heartbeat carries its fingerprint. */
	private volatile RegionProfile profile = RegionProfile.EMPTY;
	/** Per member: the fingerprints of its profile and of this node's, found to agree ({theirs, own}). */
	private final Map<Address, long[]> agreed = new ConcurrentHashMap<>();
	/**
	 * Per member: until when, on this node's clock, an answer of this node to its heartbeats can keep the member's
	 * lease valid. A write that goes ahead without a member waits for that time first ({@link #awaitDepartedLeases}).
	 * Per JGroups channel ({@link ChannelState}).
	 */
	private final Map<Address, Long> promised;
	/** Per member with a promise in {@link #promised}: the incarnation it was given to. */
	private final Map<Address, Long> promisedIncarnations;
	/**
	 * Per member that stopped (RELEASE): the incarnation of ClusterCache that stopped. Its heartbeats are not answered
	 * any more; a new incarnation at the same address (a SessionFactory rebuilt on a channel it does not own) is.
	 */
	private final Map<Address, Long> released;
	/**
	 * Per member that could not be told of a change made already (a synchronous end after a commit, an eviction): the
	 * regions it must clear before this node answers its heartbeats again, each with the sequence number of the last
	 * change it missed there ({@link #withhold}). Also the lock under which promises are made and members refused.
	 */
	private final Map<Address, Map<String, Long>> owed;

	/**
	 * What a JGroups member has promised to others and holds against them, whichever ClusterCache on it did: every
	 * ClusterCache on a channel shares it, so that one started after another stopped (a SessionFactory rebuilt on a
	 * channel the application owns) waits out the leases the earlier one gave and refuses the members it refused. Kept
	 * per class loader: a ClusterCache loaded anew (a redeployed application on a channel the server keeps) starts
	 * without it.
	 */
	private record ChannelState(Map<Address, Long> promised, Map<Address, Long> promisedIncarnations,
			Map<Address, Long> released, Map<Address, Map<String, Long>> owed) {

		ChannelState() {
			this(new ConcurrentHashMap<>(), new ConcurrentHashMap<>(), new ConcurrentHashMap<>(),
					new ConcurrentHashMap<>());
		}
	}

	private static final Map<JChannel, ChannelState> CHANNELS = Collections.synchronizedMap(new WeakHashMap<>());
	/** Numbers the changes that members missed, across the ClusterCaches of this JVM. */
	private static final AtomicLong WITHHELD_SEQUENCE = new AtomicLong();
	/** Per clear asked of a member: the sequence of the last failure logged, to log each failure once. */
	private final Map<OwedClear, Long> clearFailuresLogged = new ConcurrentHashMap<>();

	/** A region that a member must clear ({@link #owed}). */
	private record OwedClear(Address member, String region) {
	}

	/** The clears asked of members and not answered, cancelled or failed yet. */
	private final Set<OwedClear> clearsAsked = ConcurrentHashMap.newKeySet();
	/** This node's incarnation: tells a stopped ClusterCache from a later one on the same JGroups channel. */
	private final long incarnation = new java.security.SecureRandom().nextLong();
	/**
	 * Per member: the id of the view of this node in which it last joined (or came back in a merge). Its heartbeats
	 * count only once it runs that view itself: a member back from a split has not cleared its regions before.
	 */
	private final Map<Address, ViewId> joinedIn = new ConcurrentHashMap<>();
	/** Notified whenever {@link #view} changes, for writers that wait for a member to leave it. */
	private final Object viewChanges = new Object();
	/** Per member whose regions disagree with this node's: how; logged when it changes, and shown by the health. */
	private final Map<Address, String> disagreements = new ConcurrentHashMap<>();
	/** Per member that refused this node's last heartbeat: why ({@link #noteRefusal}). */
	private final Map<Address, String> refusals = new ConcurrentHashMap<>();
	private final AtomicLong refusalsHeard = new AtomicLong();
	/** Per starting member whose regions disagree with this node's (it will not start): how; logged when it changes. */
	private final Map<Address, String> refusedStarts = new ConcurrentHashMap<>();
	/**
	 * Whether this node's SessionFactory is built and its regions agreed with the members: from then on it may write,
	 * so a member that finds its regions disagree stops counting its answers at once.
	 */
	private volatile boolean started;

	private ClusterNode(Clock clock, Lease lease, KeyCodec codec, long invalidationTimeoutMillis,
			long lockTimeoutNanos, JChannel main) throws Exception {
		this.clock = clock;
		this.lease = lease;
		this.codec = codec;
		this.invalidationTimeoutMillis = invalidationTimeoutMillis;
		this.lockTimeoutNanos = lockTimeoutNanos;
		ChannelState shared = main == null ? new ChannelState()
				: CHANNELS.computeIfAbsent(main, c -> new ChannelState());
		this.promised = shared.promised();
		this.promisedIncarnations = shared.promisedIncarnations();
		this.released = shared.released();
		this.owed = shared.owed();
		if (main == null) {
			this.fork = null;
			this.dispatcher = null;
			this.directDelivery = null;
			this.heartbeats = null;
			this.name = "local";
			return;
		}
		this.name = logicalName(main.getAddress());
		this.fork = new ForkChannel(main, FORK_STACK, FORK_CHANNEL, true, ProtocolStack.Position.ABOVE,
				topProtocolClass(main));
		this.dispatcher = new MessageDispatcher(fork, this).setReceiver(this);
		this.directDelivery = ForkDirectDelivery.install(main.getProtocolStack().getTransport(), FORK_STACK);
		this.fork.connect("ignored: a fork channel joins its main channel's cluster");
		this.self = fork.getAddress();
		viewAccepted(fork.getView());
		long period = Math.max(50, TimeUnit.NANOSECONDS.toMillis(lease.leaseNanos()) / 4);
		this.heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
			Thread t = new Thread(r, "clustercache-heartbeat-" + name);
			t.setDaemon(true);
			return t;
		});
		heartbeats.scheduleWithFixedDelay(this::heartbeat, 0, period, TimeUnit.MILLISECONDS);
	}

	private static Class<? extends org.jgroups.stack.Protocol> topProtocolClass(JChannel main) {
		FORK existing = main.getProtocolStack().findProtocol(FORK.class);
		return existing != null ? FORK.class : main.getProtocolStack().getTopProtocol().getClass();
	}

	static ClusterNode local(Clock clock, long leaseNanos, String nodeName) {
		try {
			ClusterNode node = new ClusterNode(clock, new Lease(clock, leaseNanos), null, 0, Long.MAX_VALUE, null);
			node.localName = nodeName == null ? "local" : nodeName;
			return node;
		}
		catch (Exception e) {
			throw new IllegalStateException(e);
		}
	}

	static ClusterNode start(JChannel main, Clock clock, long leaseNanos, KeyCodec codec,
			long invalidationTimeoutMillis, long lockTimeoutNanos) {
		try {
			return new ClusterNode(clock, new Lease(clock, leaseNanos), codec, invalidationTimeoutMillis,
					lockTimeoutNanos, main);
		}
		catch (Exception e) {
			throw new CacheException("Could not open ClusterCache's invalidation channel on the JGroups channel of "
					+ "node '" + main.getAddress() + "': " + e.getMessage(), e);
		}
	}

	/**
	 * @param wireName the region's name on the wire, unique per kind of region (a query region may share its name
	 * with an entity region)
	 */
	void register(String wireName, Participant participant) {
		Participant previous = participants.putIfAbsent(wireName, participant);
		if (previous != null && previous != participant) {
			throw new CacheException("Two regions of one kind share the name '" + wireName + "' on node '" + name
					+ "'; give them distinct region names.");
		}
	}

	void unregister(String region) {
		participants.remove(region);
	}

	/**
	 * How this node keeps the domain region {@code wireName} ({@link RegionProfile}). A member serves from its caches
	 * only once its regions and this node's agree: its heartbeats count for its lease only then.
	 */
	synchronized void declare(String wireName, String protocol) {
		profile = profile.with(wireName, protocol);
	}

	/**
	 * Compares this node's regions with every member's, once its SessionFactory is built, and fails if a member keeps
	 * one of them differently: the node then does not start. A member that does not answer in time is compared by the
	 * heartbeats, as after a merge; until its regions agree, neither node's lease counts it as heard.
	 *
	 * @throws CacheException naming the regions, how each node keeps them, and the settings to change
	 */
	void checkRegionsAgree() {
		List<Address> targets = others();
		if (dispatcher == null || targets.isEmpty()) {
			started = true;
			return;
		}
		RspList<Object> rsps;
		long sent = clock.nanoTime();
		try {
			rsps = dispatcher.castMessage(targets, new BytesMessage(null, encodeProfile(profile, false)),
					roundOptions(invalidationTimeoutMillis));
		}
		catch (Exception e) {
			throw new CacheException("Node '" + name + "' could not compare its regions with the members " + targets
					+ ": " + e.getMessage(), e);
		}
		List<String> differences = new ArrayList<>();
		List<Address> agreeing = new ArrayList<>();
		for (Map.Entry<Address, Rsp<Object>> e : rsps.entrySet()) {
			Rsp<Object> rsp = e.getValue();
			if (rsp.wasReceived() && Boolean.TRUE.equals(rsp.getValue())) {
				agreeing.add(e.getKey());
			}
			else if (rsp.wasReceived() && !rsp.hasException() && rsp.getValue() instanceof String why) {
				differences.add(why);
			}
			else if (rsp.wasReceived() || !rsp.wasSuspected()) {
				LOG.warnf("%s: member %s did not compare its regions with this node's (%s); the heartbeats compare "
						+ "them, and neither node serves from its caches until they agree", name, e.getKey(),
						rsp.wasReceived() ? "answer: " + (rsp.hasException() ? rsp.getException() : rsp.getValue())
								: "no answer within " + invalidationTimeoutMillis + " ms");
			}
		}
		if (!differences.isEmpty()) {
			throw new CacheException("ClusterCache node '" + name + "' keeps regions differently from members of "
					+ "its cluster: " + String.join("; ", differences) + ". " + RegionProfile.settingsToAlign()
					+ ". Node '" + name + "' does not start.");
		}
		// an agreement answers like a heartbeat (the member had this node in its view after the send): with every
		// member's, this node serves from its caches as soon as it starts, not a heartbeat period later
		agreeing.forEach(member -> lease.acknowledged(member, sent));
		started = true;
		heartbeatNow(); // for members that did not answer
	}

	/** The members whose regions disagree with this node's, and how. */
	Map<String, String> disagreements() {
		Map<String, String> result = new TreeMap<>();
		disagreements.forEach((member, why) -> result.put(logicalName(member), why));
		return result;
	}

	Lease lease() {
		return lease;
	}

	String name() {
		return localName != null ? localName : name;
	}

	boolean clustered() {
		return dispatcher != null;
	}

	List<String> members() {
		View v = view;
		return v == null ? List.of(name()) : v.getMembers().stream().map(ClusterNode::logicalName).toList();
	}

	/** A member's logical name, without the version Infinispan appends ({@code A(v=16.1.4)} is {@code A}). */
	static String logicalName(Object address) {
		String s = String.valueOf(address);
		int paren = s.indexOf('(');
		return paren > 0 ? s.substring(0, paren) : s;
	}

	Writer newWriter() {
		Address a = self;
		return new Writer(a == null ? LOCAL : a, writerIds.incrementAndGet());
	}

	// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
	// sending

	/**
	 * Opens the write window on every other member and waits until each has acknowledged or has left the view. Members
	 * that join meanwhile are told too. The local side must already be open.
	 *
	 * @throws CacheException if a member that is still in the view did not acknowledge within the timeout
	 */
	Window openRemote(String region, Object key, Writer writer) {
		return openNow(region, key, writer).await();
	}

	/** {@link #openRemote}, as an opening whose {@link Opening#await()} returns at once. */
	Opening openNow(String region, Object key, Writer writer) {
		Opening opening = openLater(region, key, writer);
		send(List.of(opening));
		opening.await();
		return opening;
	}

	/**
	 * A write window to open on the other members, not sent yet: {@link #send(List)} sends the openings of one
	 * transaction in one message right before its commit, and {@link Opening#await()} waits for the answers. The local
	 * side must already be open.
	 */
	Opening openLater(String region, Object key, Writer writer) {
		return new Opening(region, key, writer);
	}

	/** Sends {@code openings} (not sent yet) to every other member in one message, without waiting for answers. */
	void send(List<Opening> openings) {
		long sent = clock.nanoTime();
		List<Address> targets = dispatcher == null ? List.of() : others();
		OpeningGroup group = new OpeningGroup(openings, sent, targets);
		if (!targets.isEmpty()) {
			// if encoding or sending fails, no opening counts as sent: no member heard of them, none needs an end
			group.payload = encodeMany(OPEN, openings.stream()
					.map(o -> new Window(o.region, o.key, o.writer, Set.of(), sent)).toList());
			try {
				group.firstRound = dispatcher.castMessageWithFuture(targets, new BytesMessage(null, group.payload),
						roundOptions(RETRY_INTERVAL_MILLIS));
			}
			catch (Exception e) {
				throw new CacheException("Node '" + name + "' could not open a write window on "
						+ describe(openings.get(0).region, openings.get(0).key) + ": " + e.getMessage(), e);
			}
			group.firstRound.whenComplete((rsps, failure) -> statistics.roundTrip(clock.nanoTime() - sent));
		}
		for (int i = 0; i < openings.size(); i++) {
			openings.get(i).sentIn(group, i);
		}
	}

	/**
	 * The opening of a write window on the other members. Once {@link ClusterNode#send(List) sent},
	 * {@link #await()} waits until every member has acknowledged it or left the view, asking members that joined
	 * meanwhile too; it runs once per message, and later calls return its outcome again.
	 */
	static final class Opening {
		private final String region;
		private final Object key;
		private final Writer writer;
		private OpeningGroup group;
		private int index;

		private Opening(String region, Object key, Writer writer) {
			this.region = region;
			this.key = key;
			this.writer = writer;
		}

		private synchronized void sentIn(OpeningGroup group, int index) {
			if (this.group != null) {
				throw new IllegalStateException("The opening of a write window on " + describe(region, key)
						+ " was sent twice");
			}
			this.group = group;
			this.index = index;
		}

		Writer writer() {
			return writer;
		}

		private synchronized OpeningGroup group() {
			return group;
		}

		/**
		 * @return the window, with the members that registered it
		 * @throws CacheException if a member that is still in the view did not acknowledge within the invalidation
		 * timeout
		 * @throws IllegalStateException if it was not sent
		 */
		Window await() {
			OpeningGroup g = group();
			if (g == null) {
				throw new IllegalStateException("The opening of a write window on " + describe(region, key)
						+ " was never sent");
			}
			return g.await(index);
		}

		/** Whether it was sent and waiting for its answers failed: then no member is known to hold the window. */
		boolean failed() {
			OpeningGroup g = group();
			return g != null && g.failed();
		}

		/**
		 * The window to close, or null if the opening was never sent (its transaction never reached its commit, and no
		 * other member heard of it); after a failure, one that no member is known to hold.
		 */
		Window forClose() {
			OpeningGroup g = group();
			if (g == null) {
				return null;
			}
			try {
				return g.await(index);
			}
			catch (RuntimeException e) {
				return Window.ofFailedOpening(region, key, writer, g.sent);
			}
		}
	}

	/** The openings sent in one message, and their outcome once awaited. */
	private final class OpeningGroup {
		final List<Opening> openings;
		final long sent;
		final List<Address> firstTargets;
		byte[] payload;
		CompletableFuture<RspList<Object>> firstRound;
		private Window[] windows;
		private RuntimeException failure;

		OpeningGroup(List<Opening> openings, long sent, List<Address> firstTargets) {
			this.openings = openings;
			this.sent = sent;
			this.firstTargets = firstTargets;
		}

		synchronized boolean failed() {
			return failure != null;
		}

		synchronized Window await(int index) {
			if (windows == null && failure == null) {
				try {
					windows = finish();
				}
				catch (RuntimeException e) {
					failure = e;
				}
				firstRound = null;
			}
			if (failure != null) {
				throw failure;
			}
			return windows[index];
		}

		private Window[] finish() {
			int n = openings.size();
			List<Set<Address>> registered = new ArrayList<>(n);
			for (int i = 0; i < n; i++) {
				registered.add(new HashSet<>());
			}
			Set<Address> asked = new HashSet<>();
			Set<Address> answered = new HashSet<>();
			List<Address> targets = firstTargets;
			CompletableFuture<RspList<Object>> first = firstRound;
			Opening sample = openings.get(0);
			for (int round = 0; !targets.isEmpty() && round < 10; round++) {
				asked.addAll(targets);
				long started = clock.nanoTime();
				Map<Address, Object> answers;
				try {
					answers = callUntimed(targets, payload, "open a write window on", sample.region,
							n == 1 ? sample.key : null, first, true).orFail();
				}
				finally {
					if (first == null) {
						statistics.roundTrip(clock.nanoTime() - started);
					}
				}
				first = null;
				answered.addAll(answers.keySet());
				answers.forEach((member, answer) -> {
					if (answer instanceof byte[] flags) {
						for (int i = 0; i < n && i < flags.length; i++) {
							if (flags[i] != 0) {
								registered.get(i).add(member);
							}
						}
					}
				});
				targets = others();
				targets.removeAll(asked); // members that joined meanwhile
			}
			// a member asked but left (even if back by now) holds no window: its lease must be over first
			asked.removeAll(answered);
			awaitLeases(asked, "open a write window on", sample.region, n == 1 ? sample.key : null);
			Window[] result = new Window[n];
			for (int i = 0; i < n; i++) {
				Opening o = openings.get(i);
				result[i] = new Window(o.region, o.key, o.writer, registered.get(i), sent);
			}
			return result;
		}
	}

	/**
	 * Ends the write window on every other member. Members that did not register its start (they joined meanwhile, or
	 * had not built the region yet) may hold a state loaded before the commit, so they are told synchronously, and one
	 * that cannot be told is made to stop serving until it has cleared the region ({@link #tell});
	 * otherwise the end travels asynchronously. The end of a window whose opening failed always travels
	 * asynchronously: its write does not commit, so no member can hold a state older than the database's; a member
	 * that heard the opening drops the window when the end arrives, and one that misses the end (or hears the opening
	 * late) keeps the window until the lock timeout, which only keeps the key out of its cache. Waiting instead would
	 * hold the failed transaction up again, for the invalidation timeout, on the member that did not answer.
	 */
	void closeRemote(Window window) {
		closeRemote(window, null);
	}

	/**
	 * {@link #closeRemote(Window)}, except that an end that may travel asynchronously is added to {@code later} (when
	 * not null) instead of being sent: {@link #sendEnds(List)} sends those of one transaction in one message.
	 */
	void closeRemote(Window window, List<Window> later) {
		if (dispatcher == null || window == null) {
			return;
		}
		List<Address> targets = others();
		if (targets.isEmpty()) {
			return;
		}
		if (window.failed()) {
			cast(encode(END, window.region(), window.writer().id(), window.key()), END_OF_WINDOW);
			return;
		}
		boolean allRegistered = window.registered().containsAll(targets);
		// a window older than the lock timeout may have expired elsewhere, and loads there may have cached the old
		// state: then the end must arrive before the commit returns, like for members that never saw the window
		boolean expiredElsewhere = clock.nanoTime() - window.openedNanos() > lockTimeoutNanos;
		if (allRegistered && !expiredElsewhere) {
			if (later != null) {
				later.add(window);
			}
			else {
				cast(encode(END, window.region(), window.writer().id(), window.key()), END_OF_WINDOW);
			}
		}
		else {
			// those members may hold the state before the commit
			tell(targets, encode(END, window.region(), window.writer().id(), window.key()), "end a write window on",
					window.region(), window.key());
		}
	}

	/** Sends the ends of {@code windows} (each may travel asynchronously) to every other member in one message. */
	void sendEnds(List<Window> windows) {
		if (dispatcher != null && !windows.isEmpty()) {
			cast(encodeMany(CLOSE, windows), END_OF_WINDOW);
		}
	}

	/**
	 * Evicts a key (or the region, key null) on every other member, like a window that ends at once: waits for all, and
	 * makes one that cannot be told stop serving until it has cleared the region ({@link #tell}).
	 */
	void invalidateRemote(String region, Object key) {
		if (dispatcher != null) {
			tell(others(), encode(INVALIDATE, region, 0, key), "invalidate", region, key);
		}
	}

	/**
	 * Tells {@code targets} of a change made already (a commit, an eviction) that they may hold the state before of:
	 * the change cannot fail any more. A member still in the view that cannot be told within the invalidation timeout
	 * (no answer, a failure, or the message could not be sent) is made to stop serving instead ({@link #withhold}). A
	 * member refused already is told all the same: told, it need not clear the region again for this change. Returns
	 * once no member that was not told can serve from its caches on an answer of this node, be it one of those or one
	 * that left meanwhile.
	 *
	 * @throws CacheException if this thread was interrupted while it waited
	 */
	private void tell(List<Address> targets, byte[] payload, String what, String region, Object key) {
		Answers answers;
		try {
			answers = targets.isEmpty() ? new Answers(what, region, key) : call(targets, payload, what, region, key);
		}
		catch (CacheException notSent) {
			answers = new Answers(what, region, key);
			for (Address member : targets) {
				answers.failed.put(member, "not asked to the end: " + notSent.getMessage());
			}
			answers.failure = notSent;
		}
		if (!answers.failed.isEmpty()) {
			LOG.warnf(answers.failure, "%s: could not %s %s on member(s) %s ('hibernate.cache.clustercache."
					+ "invalidation_timeout' is %d ms). The change stands: this node answers the heartbeats of those "
					+ "still in its view no more until they have cleared that region, so that they serve nothing "
					+ "from their caches meanwhile. Check that those members are responsive.", name, what,
					describe(region, key), answers.describeFailed(), invalidationTimeoutMillis);
			withhold(answers.failed.keySet(), region);
		}
		awaitLeases(unanswered(targets, answers.answered), what, region, key);
	}

	/**
	 * Stops answering the heartbeats of {@code members} (those still in the view) until they have cleared
	 * {@code region}, which every heartbeat of this node asks them to do. Once the lease that this node's earlier
	 * answers gave them has run out ({@link #tell} waits for it), they serve nothing from their caches; once they have
	 * cleared the region they hold nothing of it from before the change. Recorded under the lock that promises are
	 * made under, so that an answer given meanwhile is either refused or waited for. A member that left is not
	 * recorded: it clears everything if it merges back.
	 */
	private void withhold(Collection<Address> members, String region) {
		long sequence = WITHHELD_SEQUENCE.incrementAndGet();
		synchronized (owed) {
			for (Address member : members) {
				if (isMember(member)) {
					owed.computeIfAbsent(member, m -> new ConcurrentHashMap<>()).put(region, sequence);
				}
			}
		}
		heartbeatNow(); // asks them to clear it at once
	}

	/**
	 * {@code member} answered the request to clear {@code region} that this node owed it since {@code sequence}: its
	 * heartbeats are answered again once it has cleared every region it was not told of a change to.
	 */
	private void cleared(Address member, String region, long sequence, Object answer) {
		if (!(answer instanceof Boolean)) {
			return;
		}
		synchronized (owed) {
			Map<String, Long> regions = owed.get(member);
			// a later change to the region that it could not be told of either wants a later clear
			if (regions == null || !regions.remove(region, sequence) || !regions.isEmpty()) {
				return;
			}
			owed.remove(member);
		}
		clearFailuresLogged.keySet().removeIf(clear -> clear.member().equals(member));
		LOG.infof("%s: member %s has cleared the regions it was not told of changes to; it is answered again", name,
				member);
	}

	/**
	 * Asks a member to clear a region it owes since {@code sequence}, unless a request for it is under way already: a
	 * member slow to answer gets no pile of them.
	 */
	private void askToClear(OwedClear clear, long sequence) {
		if (!clearsAsked.add(clear)) {
			return;
		}
		CompletableFuture<Object> request = ask(clear.member(), encode(INVALIDATE, clear.region(), 0, null),
				answer -> cleared(clear.member(), clear.region(), sequence, answer));
		if (request == null) {
			clearsAsked.remove(clear);
			return;
		}
		request.whenComplete((answer, failure) -> {
			clearsAsked.remove(clear);
			clearFailed(clear, sequence, failure);
		});
	}

	/** Logs, once per change missed, that a member failed to clear a region (a clear that took too long is not). */
	private void clearFailed(OwedClear clear, long sequence, Throwable failure) {
		if (failure == null || failure instanceof CancellationException) {
			return;
		}
		Long logged = clearFailuresLogged.put(clear, sequence);
		if (logged == null || logged != sequence) {
			LOG.warnf("%s: member %s failed to clear %s (%s); it stays refused, serving nothing from its caches, "
					+ "until it has: check that member's log", name, clear.member(), describe(clear.region(), null),
					failure);
		}
	}

	/**
	 * The members this node refuses until they have cleared regions they could not be told of a change to, by logical
	 * name, each with those regions' names, sorted.
	 */
	Map<String, List<String>> refusedMembers() {
		Map<String, List<String>> result = new TreeMap<>();
		owed.forEach((member, regions) -> result.put(logicalName(member), regionNames(regions)));
		return result;
	}

	/** The names of the regions a member owes ({@link #owed}), sorted. */
	private static List<String> regionNames(Map<String, Long> owedRegions) {
		return owedRegions.keySet().stream().map(ClusterNode::regionName).sorted().toList();
	}

	/**
	 * The regions that {@code member} must clear before this node answers its heartbeats again, each with the sequence
	 * number of the last change there that it was not told of (for tests).
	 */
	Map<String, Long> owedBy(Address member) {
		Map<String, Long> regions = owed.get(member);
		return regions == null ? Map.of() : Map.copyOf(regions);
	}

	/** The targets of a call that did not answer it: they left the view meanwhile (and may be back by now). */
	private static Set<Address> unanswered(List<Address> targets, Map<Address, Object> answers) {
		Set<Address> result = new HashSet<>(targets);
		result.removeAll(answers.keySet());
		return result;
	}

	/**
	 * Waits until no member that has left this node's view can still serve from its caches on an answer of this node
	 * (DESIGN.md §4.5): a write that goes ahead without a member must not commit while that member's lease may hold.
	 * The member measured its lease from a heartbeat it sent before this node answered, so it ends before this node's
	 * promise. A member excluded by failure detection has been silent for longer than its lease, so this waits only for
	 * one excluded sooner: a view that JGroups installed while the member was resuming from a pause, or a connection
	 * that broke (about a second). A member that stopped released its lease ({@link #stop()}). Grid regions call it
	 * once the owners hold their window: Infinispan writes without a member once its view has dropped it.
	 *
	 * @throws CacheException if interrupted meanwhile: the write must fail rather than commit early
	 */
	void awaitDepartedLeases(String what, String region, Object key) {
		awaitLeases(Set.of(), what, region, key);
	}

	/** {@link #awaitDepartedLeases}, and for {@code unanswered} members whether they are in the view now or not. */
	private void awaitLeases(Collection<Address> unanswered, String what, String region, Object key) {
		for (Map.Entry<Address, Long> e : promised.entrySet()) {
			Address member = e.getKey();
			if (isMember(member) && !unanswered.contains(member)) {
				continue;
			}
			long until = e.getValue();
			for (long wait = until - clock.nanoTime(); wait > 0; wait = until - clock.nanoTime()) {
				LockSupport.parkNanos(this, wait);
				if (Thread.interrupted()) {
					Thread.currentThread().interrupt();
					throw new CacheException("Node '" + name + "' was interrupted while it waited to " + what + " "
							+ describe(region, key) + " until the lease of member '" + member + "', which did not "
							+ "answer, had run out; that member may still serve the state before this write");
				}
			}
			promised.remove(member, until);
		}
	}

	private List<Address> others() {
		View v = view;
		if (v == null) {
			return List.of();
		}
		List<Address> result = new ArrayList<>(v.size());
		for (Address a : v.getMembers()) {
			if (!a.equals(self)) {
				result.add(a);
			}
		}
		return result;
	}

	private static final String END_OF_WINDOW = "the end of a write window";

	/**
	 * Sends a message to every other member without waiting: the end of windows, or a release. Out of band, so that
	 * {@link ForkDirectDelivery} applies it on the receiving thread: no pool thread to wake, and the member may cache
	 * the key again sooner. Order does not matter: an end is sent only after every member acknowledged its window's
	 * opening, and windows of different writers are independent. Flow control stays on (nothing waits for an answer).
	 *
	 * @param what what the message tells, for the error
	 */
	private void cast(byte[] payload, String what) {
		try {
			dispatcher.castMessage(null, new BytesMessage(null, payload),
					RequestOptions.ASYNC().flags(Message.Flag.OOB)
							.transientFlags(Message.TransientFlag.DONT_LOOPBACK));
		}
		catch (Exception e) {
			throw new CacheException("Node '" + name + "' could not send " + what + ": " + e.getMessage(), e);
		}
	}

	/** {@link #callUntimed}, timed: the invalidation round-trip time of the metrics. */
	private Answers call(Collection<Address> targets, byte[] payload, String what, String region, Object key) {
		long started = clock.nanoTime();
		try {
			return callUntimed(targets, payload, what, region, key, null, false);
		}
		finally {
			statistics.roundTrip(clock.nanoTime() - started);
		}
	}

	/**
	 * The outcome of a synchronous call: the answers, and the members still in the view that did not give one within
	 * the invalidation timeout (or answered with a failure), each with why.
	 */
	private final class Answers {
		final Map<Address, Object> answered = new HashMap<>();
		final Map<Address, String> failed = new LinkedHashMap<>();
		final String what;
		final String region;
		final Object key;
		Throwable failure;

		Answers(String what, String region, Object key) {
			this.what = what;
			this.region = region;
			this.key = key;
		}

		/** @throws CacheException if a member still in the view did not answer */
		Map<Address, Object> orFail() {
			if (failed.isEmpty()) {
				return answered;
			}
			throw new CacheException("Node '" + name + "' could not " + what + " " + describe(region, key)
					+ " on member(s) " + describeFailed() + " ('hibernate.cache.clustercache.invalidation_timeout' is "
					+ invalidationTimeoutMillis + " ms). The write fails so that no node can "
					+ "serve the old state. Check that those members are responsive; a crashed member stops "
					+ "being waited for once failure detection excludes it.", failure);
		}

		String describeFailed() {
			return failed.entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + ")").toList().toString();
		}
	}

	/**
	 * Sends {@code payload} to {@code targets} and waits until each has answered or left the view. A message can be
	 * lost for good without the member leaving (it arrived before the member had opened its invalidation channel, at
	 * start), so members that have not answered are asked again every few seconds, until the invalidation timeout:
	 * every message is idempotent.
	 *
	 * @param firstRound the answers of a first round already sent to {@code targets}, or null
	 * @param failFast whether to stop at the first member that answers with a failure (the call fails then anyway)
	 * @return the answers, and the members still in the view that did not answer within the invalidation timeout or
	 * answered with a failure
	 * @throws CacheException if the message could not be sent, or this thread was interrupted
	 */
	private Answers callUntimed(Collection<Address> targets, byte[] payload, String what, String region,
			Object key, CompletableFuture<RspList<Object>> firstRound, boolean failFast) {
		Answers answers = new Answers(what, region, key);
		List<Address> pending = new ArrayList<>(targets);
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(invalidationTimeoutMillis);
		while (!pending.isEmpty()) {
			long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
			if (remaining <= 0) {
				break;
			}
			long roundMillis = Math.min(remaining, RETRY_INTERVAL_MILLIS);
			RspList<Object> rsps;
			try {
				rsps = awaitRound(firstRound != null ? firstRound
						: dispatcher.castMessageWithFuture(pending, new BytesMessage(null, payload),
								roundOptions(roundMillis)), roundMillis);
				firstRound = null;
			}
			catch (Exception e) {
				throw new CacheException("Node '" + name + "' could not " + what + " " + describe(region, key)
						+ ": " + e.getMessage(), e);
			}
			List<Address> next = new ArrayList<>();
			List<Address> suspected = new ArrayList<>();
			for (Map.Entry<Address, Rsp<Object>> e : rsps.entrySet()) {
				Rsp<Object> rsp = e.getValue();
				if (rsp.wasSuspected()) {
					// JGroups has dropped it from the view; it is gone once this node's view has too, so that it
					// answers no heartbeat of that member any more, and the lease it gave that member is waited for
					if (isMember(e.getKey())) {
						suspected.add(e.getKey());
					}
					continue;
				}
				if (!rsp.wasReceived()) {
					next.add(e.getKey());
				}
				else if (rsp.hasException()) {
					answers.failed.put(e.getKey(), String.valueOf(rsp.getException()));
					answers.failure = rsp.getException();
				}
				else {
					answers.answered.put(e.getKey(), rsp.getValue());
				}
			}
			if (failFast && !answers.failed.isEmpty()) {
				next.addAll(suspected);
				next.forEach(member -> answers.failed.putIfAbsent(member, "no answer yet"));
				pending = List.of();
				break;
			}
			if (!suspected.isEmpty()) {
				awaitViewWithout(suspected, Math.min(deadline,
						System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RETRY_INTERVAL_MILLIS)));
				next.addAll(suspected);
			}
			View v = view;
			next.removeIf(member -> v == null || !v.containsMember(member));
			pending = next;
		}
		pending.forEach(member -> answers.failed.putIfAbsent(member, "no answer within " + invalidationTimeoutMillis
				+ " ms"));
		return answers;
	}

	/**
	 * Waits until this node's view holds none of {@code members}, or until {@code deadlineNanos}
	 * ({@link System#nanoTime()}). JGroups tells a waiting request that a member left before it tells this node the new
	 * view.
	 */
	private void awaitViewWithout(List<Address> members, long deadlineNanos) {
		synchronized (viewChanges) {
			for (long left = deadlineNanos - System.nanoTime(); members.stream().anyMatch(this::isMember) && left > 0;
					left = deadlineNanos - System.nanoTime()) {
				try {
					TimeUnit.NANOSECONDS.timedWait(viewChanges, left);
				}
				catch (InterruptedException e) {
					Thread.currentThread().interrupt();
					throw new CacheException("Node '" + name + "' was interrupted while it waited for members "
							+ members + " to leave its view", e);
				}
			}
		}
	}

	/**
	 * A round trip: out of band (no wait behind other messages of the sender; {@link ForkDirectDelivery} runs it on the
	 * receiving thread) and without flow control (the answer copies the flag: it must not wait for credits).
	 */
	private static RequestOptions roundOptions(long timeoutMillis) {
		return new RequestOptions(ResponseMode.GET_ALL, timeoutMillis).anycasting(true)
				.flags(Message.Flag.OOB, Message.Flag.NO_FC).transientFlags(Message.TransientFlag.DONT_LOOPBACK);
	}

	/**
	 * The answers to a round, as far as they came within {@code timeoutMillis}: JGroups' request returns them at its
	 * timeout with the members that did not answer marked so (a future of JGroups completes on its own only once every
	 * member answered or left the view, so a round whose message a member dropped, one that had not opened its fork
	 * channel yet, would otherwise wait for ever). Every round trip waits here, the synchronous ones (evictions,
	 * clears, ends to members that never saw the window) as well as the openings before a commit: it spins before it
	 * parks ({@link AnswerWait}).
	 */
	private RspList<Object> awaitRound(CompletableFuture<RspList<Object>> round, long timeoutMillis)
			throws Exception {
		answerWait.spinFor(round);
		try {
			return round.get(timeoutMillis, TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw e;
		}
		catch (ExecutionException e) {
			throw e.getCause() instanceof Exception cause ? cause : e;
		}
	}

	private static String describe(String wireName, Object key) {
		String region = regionName(wireName);
		return key == null ? "the whole region '" + region + "'" : "key '" + key + "' of region '" + region + "'";
	}

	/** A region's name, without the prefix of its kind on the wire. */
	private static String regionName(String wireName) {
		return wireName.length() > 2 && wireName.charAt(1) == ':' ? wireName.substring(2) : wireName;
	}

	/** What writes the body of a message. */
	private interface MessageBody {
		void writeTo(DataOutputStream out) throws IOException;
	}

	/** The bytes of a message of about {@code capacity} bytes, written by {@code body}. */
	private static byte[] message(int capacity, MessageBody body) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream(capacity);
		DataOutputStream out = new DataOutputStream(bytes);
		try {
			body.writeTo(out);
			out.flush();
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return bytes.toByteArray();
	}

	private static byte[] encode(byte type, String region, long writerId, Object key) {
		return message(160, out -> {
			out.writeByte(type);
			writeWindow(out, region, writerId, key);
		});
	}

	/** One message about several windows: their count, then each as in a single message. */
	private static byte[] encodeMany(byte type, List<Window> windows) {
		return message(64 + 96 * windows.size(), out -> {
			out.writeByte(type);
			out.writeInt(windows.size());
			for (Window w : windows) {
				writeWindow(out, w.region(), w.writer().id(), w.key());
			}
		});
	}

	private static void writeWindow(DataOutputStream out, String region, long writerId, Object key) {
		try {
			out.writeUTF(region == null ? "" : region);
			out.writeLong(writerId);
			out.writeBoolean(key != null);
			if (key != null) {
				// length first, so that a member without the region can skip a key whose type it does not know
				ByteArrayOutputStream keyBytes = new ByteArrayOutputStream(64);
				DataOutputStream keyOut = new DataOutputStream(keyBytes);
				KeyCodec.write(keyOut, key);
				keyOut.flush();
				out.writeInt(keyBytes.size());
				keyBytes.writeTo(out);
			}
		}
		catch (IOException e) {
			throw new UncheckedIOException("Could not serialize cache key '" + key + "' of region '" + region
					+ "' for an invalidation message", e);
		}
	}

	// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
	// receiving

	@Override
	public Object handle(Message msg) throws Exception {
		DataInputStream in = new DataInputStream(
				new ByteArrayInputStream(msg.getArray(), msg.getOffset(), msg.getLength()));
		byte type = in.readByte();
		Address sender = msg.getSrc();
		if (type == PING) {
			long theirs = in.readLong();
			promiseIfMember(sender, in);
			RegionProfile own = profile;
			long[] match = agreed.get(sender);
			return theirs == own.fingerprint || match != null && match[0] == theirs && match[1] == own.fingerprint
					? Boolean.TRUE : SEND_PROFILE;
		}
		if (type == PROFILE) {
			boolean senderStarted = in.readBoolean();
			RegionProfile theirs = RegionProfile.read(in);
			promiseIfMember(sender, in);
			RegionProfile own = profile;
			String why = own.disagreement(theirs, name(), logicalName(sender));
			if (why == null) {
				agreed.put(sender, new long[] {theirs.fingerprint, own.fingerprint});
				return Boolean.TRUE;
			}
			if (senderStarted) {
				// it may write already, and this node may not hear of it: stop counting its earlier answers now
				lease.forget(sender);
				disagree(sender, why);
			}
			else if (!why.equals(refusedStarts.put(sender, why))) {
				LOG.warnf("%s: member %s keeps regions differently and will not start: %s", name, sender, why);
			}
			return why;
		}
		if (type == OPEN) {
			int n = in.readInt();
			byte[] registered = new byte[n];
			for (int i = 0; i < n; i++) {
				registered[i] = (byte) (handleWindow(in, BEGIN, sender) ? 1 : 0);
			}
			return registered;
		}
		if (type == RELEASE) {
			long stopped = in.readLong();
			synchronized (owed) {
				released.put(sender, stopped);
				// a release overtaken by a later incarnation's heartbeat must not drop the promise made to that one
				if (promisedIncarnations.remove(sender, stopped)) {
					promised.remove(sender);
				}
			}
			return Boolean.TRUE;
		}
		if (type == CLOSE) {
			int n = in.readInt();
			for (int i = 0; i < n; i++) {
				handleWindow(in, END, sender);
			}
			return Boolean.TRUE;
		}
		return handleWindow(in, type, sender);
	}

	/**
	 * Lets a heartbeat's answer count for {@code member}'s lease: refuses one from outside this node's view, from a
	 * ClusterCache that stopped, from a member that has not cleared a region it could not be told of a change to
	 * ({@link #withhold}), or from a member that does not run the view it (re)joined in yet (a member back from a
	 * split suspended its lease when it applied the merged view, and clears before it restarts it); otherwise records
	 * that the answer may keep the lease valid until it runs out, plus a hundredth for clocks that run at slightly
	 * different rates. A stopped incarnation and a member that owes a clear are refused before anything is recorded; the
	 * promise is recorded before the checks of the view: a write that finds the member gone from this node's view then
	 * also finds the promise. Taken back if such a check fails.
	 *
	 * @param in the rest of the heartbeat ({@link #writeHeartbeatTail}): the member's lease, incarnation and view
	 * @throws IllegalStateException if the answer must not count
	 */
	private void promiseIfMember(Address member, DataInputStream in) throws IOException, ClassNotFoundException {
		long leaseNanos = in.readLong();
		long memberIncarnation = in.readLong();
		ViewId memberView = null;
		if (in.readBoolean()) {
			memberView = new ViewId();
			memberView.readFrom(in);
		}
		long until = clock.nanoTime() + Math.max(0, leaseNanos) + Math.max(0, leaseNanos) / 100
				+ TimeUnit.MILLISECONDS.toNanos(1);
		synchronized (owed) {
			Long stopped = released.get(member);
			if (stopped != null && stopped == memberIncarnation) {
				throw new IllegalStateException("'" + member + "' stopped");
			}
			Map<String, Long> unheard = owed.get(member);
			if (unheard != null) {
				throw new IllegalStateException("'" + logicalName(member) + "' has not cleared region(s) "
						+ regionNames(unheard).stream().map(r -> "'" + r + "'").toList() + " since '" + name
						+ "' could not tell it of a change there");
			}
			Long before = promised.get(member);
			if (before == null || until - before > 0) {
				promised.put(member, until);
			}
			try {
				requireMember(member);
				ViewId joined = joinedIn.get(member);
				if (joined != null && (memberView == null
						|| memberView.getId() <= joined.getId() && !memberView.equals(joined))) {
					throw new IllegalStateException("'" + member + "' does not run view " + joined + " of '" + name
							+ "' yet (it runs " + memberView + ")");
				}
			}
			catch (IllegalStateException refused) {
				if (before == null) {
					promised.remove(member);
				}
				else {
					promised.put(member, before);
				}
				throw refused;
			}
			promisedIncarnations.put(member, memberIncarnation);
		}
	}

	/** What every heartbeat and region profile ends with: this node's lease, incarnation and view. */
	private void writeHeartbeatTail(DataOutputStream out) throws IOException {
		View v = view;
		writeHeartbeatTail(out, lease.leaseNanos(), incarnation, v == null ? null : v.getViewId());
	}

	static void writeHeartbeatTail(DataOutputStream out, long leaseNanos, long incarnation, ViewId viewId)
			throws IOException {
		out.writeLong(leaseNanos);
		out.writeLong(incarnation);
		out.writeBoolean(viewId != null);
		if (viewId != null) {
			viewId.writeTo(out);
		}
	}

	/** A heartbeat: the fingerprint of the sender's regions, then {@link #writeHeartbeatTail}. */
	static byte[] encodePing(long fingerprint, long leaseNanos, long incarnation, ViewId viewId) {
		return message(64, out -> {
			out.writeByte(PING);
			out.writeLong(fingerprint);
			writeHeartbeatTail(out, leaseNanos, incarnation, viewId);
		});
	}

	/** That the ClusterCache of {@code incarnation} stopped. */
	static byte[] encodeRelease(long incarnation) {
		return message(9, out -> {
			out.writeByte(RELEASE);
			out.writeLong(incarnation);
		});
	}

	/** Until when this node's answers may keep {@code member}'s lease valid ({@link Clock#nanoTime()}), or null. */
	Long promisedTo(Address member) {
		return promised.get(member);
	}

	/** A heartbeat's answer proves that the sender is in this node's view: refuse one from outside it. */
	private void requireMember(Address sender) {
		if (!isMember(sender)) {
			throw new IllegalStateException("'" + sender + "' is not in the view of '" + name + "'");
		}
	}

	private boolean isMember(Address member) {
		View v = view;
		return v != null && v.containsMember(member);
	}

	/**
	 * Applies one window message.
	 *
	 * @return false if the region does not exist here (yet): nothing of it is cached, and the end of the window will
	 * come synchronously
	 */
	private boolean handleWindow(DataInputStream in, byte type, Address sender) throws Exception {
		String region = in.readUTF();
		long writerId = in.readLong();
		Participant p = participants.get(region);
		int keyLength = in.readBoolean() ? in.readInt() : -1;
		if (p == null) {
			in.skipNBytes(Math.max(0, keyLength)); // more windows may follow in the same message
			return false;
		}
		Object key = keyLength >= 0 ? codec.read(in) : null;
		Writer writer = new Writer(sender, writerId);
		switch (type) {
			case BEGIN -> p.onBeginWrite(key, writer);
			case END -> p.onEndWrite(key, writer);
			case INVALIDATE -> p.onEndWrite(key, null);
			default -> throw new IllegalArgumentException("Unknown ClusterCache message type " + type);
		}
		if (LOG.isTraceEnabled()) {
			LOG.tracef("%s: %s %s from %s", name, type == BEGIN ? "begin" : type == END ? "end" : "invalidate",
					describe(region, key), sender);
		}
		return true;
	}

	/**
	 * Applies a view, unless it is not newer than the one applied last: the constructor applies the fork's view after
	 * connecting, while JGroups may already be delivering a newer one on its own thread, and an older view applied last
	 * would leave out a member that joined (its writes would then skip it).
	 */
	@Override
	public synchronized void viewAccepted(View newView) {
		if (newView == null) {
			return;
		}
		View old = this.view;
		if (old != null && newView.getViewId().compareToIDs(old.getViewId()) <= 0) {
			return;
		}
		try {
			boolean leaseWasValid = lease.valid();
			boolean shrank = old != null && !newView.getMembers().containsAll(old.getMembers());
			boolean clearing = newView instanceof MergeView || shrank && !leaseWasValid;
			if (clearing) {
				// before the new members count: a view of fewer members (or one alone) would make the lease valid at
				// once, and serve what the clear below is for
				lease.suspend();
			}
			for (Address member : newView.getMembers()) {
				if (old == null || !old.containsMember(member)) {
					joinedIn.put(member, newView.getViewId()); // before the view: its heartbeat may come at once
				}
			}
			this.view = newView;
			synchronized (viewChanges) {
				viewChanges.notifyAll(); // writers waiting for a member to leave the view (awaitViewWithout)
			}
			joinedIn.keySet().retainAll(newView.getMembers());
			released.keySet().retainAll(newView.getMembers());
			synchronized (owed) { // a member back from a split clears everything
				owed.keySet().retainAll(newView.getMembers());
			}
			clearFailuresLogged.keySet().removeIf(clear -> !newView.containsMember(clear.member()));
			if (self == null && fork != null) {
				self = fork.getAddress();
			}
			lease.viewChanged(others());
			agreed.keySet().retainAll(newView.getMembers());
			disagreements.keySet().retainAll(newView.getMembers());
			refusals.keySet().retainAll(newView.getMembers());
			refusedStarts.keySet().retainAll(newView.getMembers());
			if (newView instanceof MergeView merge) {
				statistics.merged(System.currentTimeMillis());
				LOG.infof("%s: merged the partitions %s into view %s; clearing every region, since invalidations "
						+ "sent during the split were lost", name, merge.getSubgroups(), newView);
				reset();
			}
			else if (shrank && !leaseWasValid) {
				LOG.infof("%s: new view %s%s; this node had not heard from every member within its lease, so it "
						+ "may have missed invalidations: clearing every region", name, newView,
						describeChange(old, newView));
				reset();
			}
			else if (old != null) {
				LOG.infof("%s: new view %s%s", name, newView, describeChange(old, newView));
			}
			heartbeatNow();
		}
		catch (RuntimeException e) {
			LOG.errorf(e, "%s: could not apply view %s; clearing every region to stay safe", name, newView);
			reset();
		}
	}

	/**
	 * Voids everything cached here; the lease must be earned again after the regions are clear. Suspended meanwhile, it
	 * counts no answer: one to a heartbeat sent while the regions were being cleared could otherwise make it valid
	 * while a region not cleared yet still held entries of the split.
	 */
	private void reset() {
		lease.suspend();
		for (Participant p : participants.values()) {
			try {
				p.onReset();
			}
			catch (RuntimeException e) {
				LOG.errorf(e, "%s: could not clear a region after a view change", name);
			}
		}
		lease.restart();
	}

	private static String describeChange(View old, View now) {
		Set<Address> left = new HashSet<>(old.getMembers());
		left.removeAll(now.getMembers());
		Set<Address> joined = new HashSet<>(now.getMembers());
		joined.removeAll(old.getMembers());
		StringBuilder sb = new StringBuilder();
		if (!joined.isEmpty()) {
			sb.append("; joined: ").append(joined.stream().map(String::valueOf).collect(Collectors.joining(", ")));
		}
		if (!left.isEmpty()) {
			sb.append("; left: ").append(left.stream().map(String::valueOf).collect(Collectors.joining(", ")));
		}
		return sb.toString();
	}

	/**
	 * Asks every other member whether it has this node in its view. The ping carries the fingerprint of this node's
	 * regions; a member that has not compared them with its own yet asks for them, and its answer counts for the lease
	 * only once they agree. Asks members that could not be told of a change to clear its region ({@link #withhold}).
	 */
	private void heartbeat() {
		long now = clock.nanoTime();
		promised.entrySet().removeIf(e -> !isMember(e.getKey()) && e.getValue() - now <= 0);
		synchronized (owed) {
			promisedIncarnations.keySet().retainAll(promised.keySet());
		}
		owed.forEach((member, regions) -> {
			if (isMember(member)) { // else dropped with the view that it left
				regions.forEach((region, sequence) -> askToClear(new OwedClear(member, region), sequence));
			}
		});
		List<Address> targets = others();
		RegionProfile own = profile;
		View v = view;
		byte[] ping = encodePing(own.fingerprint, lease.leaseNanos(), incarnation, v == null ? null : v.getViewId());
		for (Address member : targets) {
			long sent = clock.nanoTime();
			CompletableFuture<Object> request = ask(member, ping, answer -> {
				if (SEND_PROFILE.equals(answer)) {
					ask(member, encodeProfile(own, started), compared -> answered(member, sent, own, compared));
				}
				else {
					answered(member, sent, own, answer);
				}
			});
			if (request != null) {
				request.whenComplete((answer, failure) -> noteRefusal(member, failure));
			}
		}
	}

	/**
	 * Records why {@code member} refused the last heartbeat that it answered ({@link #promiseIfMember} throws), or that
	 * it did not refuse it.
	 */
	private void noteRefusal(Address member, Throwable failure) {
		if (failure == null) {
			refusals.remove(member);
		}
		else if (failure instanceof IllegalStateException && isMember(member)) {
			refusals.put(member, String.valueOf(failure.getMessage()));
			refusalsHeard.incrementAndGet();
		}
	}

	/** How many refusals of its heartbeats this node has heard (for tests). */
	long refusalsHeard() {
		return refusalsHeard.get();
	}

	/** Per member whose answer to this node's last heartbeat was a refusal: why (for the health), by logical name. */
	Map<String, String> refusals() {
		Map<String, String> result = new TreeMap<>();
		refusals.forEach((member, why) -> result.put(logicalName(member), why));
		return result;
	}

	/** A heartbeat now, besides the periodic ones (none once stopped, nor without a cluster). */
	private void heartbeatNow() {
		if (heartbeats != null && !heartbeats.isShutdown()) {
			try {
				heartbeats.execute(this::heartbeat);
			}
			catch (RejectedExecutionException stopping) {
				// stopped meanwhile: it serves nothing any more, and answers nobody once closed
			}
		}
	}

	/**
	 * Sends a heartbeat's request (or the request to clear a region that a member owes) without waiting. A request of
	 * JGroups completes on its own only when the member answers or leaves the view, so one that stays in the view
	 * without answering (it has not opened ClusterCache's fork channel) would keep every heartbeat's request in the
	 * dispatcher for as long: each is cancelled once the lease has run past it, when its answer could no longer count.
	 *
	 * @return the request, or null if it could not be sent
	 */
	private CompletableFuture<Object> ask(Address member, byte[] payload, Consumer<Object> onAnswer) {
		long leaseMillis = TimeUnit.NANOSECONDS.toMillis(lease.leaseNanos());
		CompletableFuture<Object> request;
		try {
			request = dispatcher.sendMessageWithFuture(new BytesMessage(member, payload),
					RequestOptions.SYNC().timeout(leaseMillis));
		}
		catch (Exception e) {
			LOG.debugf(e, "%s: request to %s failed", name, member);
			return null;
		}
		pendingHeartbeats.incrementAndGet();
		request.whenComplete((answer, failure) -> {
			pendingHeartbeats.decrementAndGet();
			if (failure == null) {
				onAnswer.accept(answer);
			}
		});
		try {
			heartbeats.schedule(() -> request.cancel(false), leaseMillis, TimeUnit.MILLISECONDS);
		}
		catch (RejectedExecutionException stopping) {
			request.cancel(false);
		}
		return request;
	}

	/** How many heartbeat requests wait for an answer (for tests). */
	int pendingHeartbeats() {
		return pendingHeartbeats.get();
	}

	/**
	 * {@code member} answered a heartbeat sent at {@code sent} with this node's regions as {@code asked}: TRUE, or how
	 * its regions disagree with this node's. An answer about regions this node has declared more of since, or from a
	 * member no longer in the view, is out of date.
	 */
	private void answered(Address member, long sent, RegionProfile asked, Object answer) {
		if (asked != profile || !isMember(member)) {
			return;
		}
		if (Boolean.TRUE.equals(answer)) {
			if (disagreements.remove(member) != null) {
				LOG.infof("%s: its regions and member %s's agree now", name, member);
			}
			lease.acknowledged(member, sent);
		}
		else if (answer instanceof String why) {
			disagree(member, why);
		}
	}

	/** Records that {@code member}'s regions disagree with this node's; logs it when it is new or changed. */
	private void disagree(Address member, String why) {
		if (!why.equals(disagreements.put(member, why))) {
			LOG.errorf("%s serves nothing from its caches while member %s keeps regions differently: %s. %s.", name,
					member, why, RegionProfile.remedy());
		}
	}

	/** @param started whether this node may write already ({@link #started}) */
	private byte[] encodeProfile(RegionProfile profile, boolean started) {
		return message(64 + 48 * profile.size(), out -> {
			out.writeByte(PROFILE);
			out.writeBoolean(started);
			profile.write(out);
			writeHeartbeatTail(out);
		});
	}

	/**
	 * Stops serving from the caches and heartbeats, and tells the members so: their writes need not wait for this
	 * node's lease when it leaves ({@link #awaitDepartedLeases}). If that message is lost they wait for the lease to run
	 * out. The channel stays open (answering) until {@link #close()} after the cache manager stopped.
	 */
	void stop() {
		lease.stop();
		if (heartbeats != null) {
			heartbeats.shutdownNow();
			try {
				// a heartbeat sent after the release would be answered again (and waited for)
				heartbeats.awaitTermination(1, TimeUnit.SECONDS);
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		}
		if (dispatcher != null && !others().isEmpty()) {
			try {
				cast(encodeRelease(incarnation), "that it stopped");
			}
			catch (CacheException e) {
				LOG.debugf(e, "%s: could not tell the members that it stopped; their writes wait for its lease to "
						+ "run out", name);
			}
		}
	}

	void close() {
		if (dispatcher != null) {
			dispatcher.stop();
		}
		if (heartbeats != null) {
			heartbeats.shutdownNow(); // closed without stop()
		}
		if (fork != null) {
			fork.close();
		}
		if (directDelivery != null) {
			directDelivery.uninstall();
		}
	}
}
