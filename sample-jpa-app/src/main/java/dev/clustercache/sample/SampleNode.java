package dev.clustercache.sample;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.LockTimeoutException;
import jakarta.persistence.OptimisticLockException;
import jakarta.persistence.PessimisticLockException;

import org.hibernate.StaleStateException;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.exception.ConstraintViolationException;
import org.hibernate.exception.LockAcquisitionException;

/**
 * One application node: the persistence unit and an HTTP JSON API on 127.0.0.1.
 *
 * <pre>
 * GET    /health                                  200 when the node serves requests
 * GET    /stats                                   node name, cluster view, per-region hits/misses/puts
 * GET    /catalog                                 all product ids, SKUs and categories (uncached)
 * GET    /products/{id}                           by id (entity region)
 * GET    /products/sku/{sku}                      by natural id (natural-id region)
 * GET    /categories/{id}/products                a category's products (collection region)
 * GET    /queries/products-of-category?categoryId=ID   cacheable query
 * GET    /queries/products-under-price?maxPrice=P      cacheable query
 * PUT    /products/{id}      {"price":"12.50","name":"..."}   update; answers the committed version
 * POST   /products           {"sku":..,"name":..,"price":..,"categoryId":..}
 * DELETE /products/{id}
 * </pre>
 *
 * A write that loses an optimistic-locking race answers 409 and commits nothing.
 */
public final class SampleNode implements AutoCloseable {

	static {
		// The JDK's HTTP server writes headers and body separately; without TCP_NODELAY, Nagle's algorithm and
		// delayed ACKs add about 40 ms to many answers.
		System.setProperty("sun.net.httpserver.nodelay", "true");
	}

	private final String name;
	private final HttpServer server;
	private final ExecutorService executor;
	private final EntityManagerFactory emf;
	private final CatalogService catalog;
	private final NodeStats stats;

	private SampleNode(String name, HttpServer server, ExecutorService executor, EntityManagerFactory emf) {
		this.name = name;
		this.server = server;
		this.executor = executor;
		this.emf = emf;
		this.catalog = new CatalogService(emf);
		this.stats = new NodeStats(emf.unwrap(SessionFactoryImplementor.class), name,
				emf.unwrap(SessionFactoryImplementor.class).getSessionFactoryOptions().isSecondLevelCacheEnabled());
	}

	/**
	 * Starts a node: checks the database, takes the port, starts the persistence unit (and with it the cache and its
	 * cluster membership), then serves requests.
	 *
	 * @param port the port on 127.0.0.1, 0 for a free one
	 * @param cache its node name is this node's name; when null, the node is named {@code node-PORT}
	 */
	public static SampleNode start(int port, DatabaseConfig db, CacheConfig cache) {
		db.checkReachable();
		db.checkSchema();
		HttpServer server;
		try {
			server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
		}
		catch (BindException e) {
			throw new SampleException("Port " + port + " on 127.0.0.1 is already in use. Choose another with "
					+ "'--port', or 0 for a free one.", e);
		}
		catch (IOException e) {
			throw new SampleException("Cannot listen on 127.0.0.1:" + port + ": " + e.getMessage() + ".", e);
		}
		String name = cache.nodeName() != null ? cache.nodeName() : "node-" + server.getAddress().getPort();
		CacheConfig named = new CacheConfig(cache.enabled(), cache.stack(), cache.clusterName(), name,
				cache.extraProperties());
		EntityManagerFactory emf;
		try {
			emf = JpaSetup.forNode(db, named);
		}
		catch (RuntimeException e) {
			server.stop(0);
			throw new SampleException("Node '" + name + "' could not start its persistence unit: "
					+ Errors.describe(e), e);
		}
		AtomicInteger threads = new AtomicInteger();
		ExecutorService executor = Executors.newFixedThreadPool(16, r -> {
			Thread t = new Thread(r, "http-" + name + "-" + threads.incrementAndGet());
			t.setDaemon(true);
			return t;
		});
		SampleNode node = new SampleNode(name, server, executor, emf);
		server.createContext("/", node::handle);
		server.setExecutor(executor);
		server.start();
		return node;
	}

	public String name() {
		return name;
	}

	public int port() {
		return server.getAddress().getPort();
	}

	public String url() {
		return "http://127.0.0.1:" + port();
	}

	/** Stops serving, then closes the persistence unit, which leaves the cluster. */
	@Override
	public void close() {
		server.stop(0);
		executor.shutdown();
		try {
			executor.awaitTermination(5, TimeUnit.SECONDS);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
		if (emf.isOpen()) {
			emf.close();
		}
	}

	private void handle(HttpExchange exchange) {
		int status;
		Object body;
		try {
			body = route(exchange.getRequestMethod(), exchange.getRequestURI(), exchange.getRequestBody());
			status = "POST".equals(exchange.getRequestMethod()) ? 201 : 200;
		}
		catch (HttpError e) {
			status = e.status();
			body = error(e.getMessage());
		}
		catch (RuntimeException e) {
			if (Errors.isConflict(e)) {
				status = 409;
				body = error(Errors.describeConflict(e));
			}
			else {
				status = 500;
				body = error(Errors.describe(e));
				System.err.println(name + ": " + exchange.getRequestMethod() + " " + exchange.getRequestURI()
						+ " failed");
				e.printStackTrace();
			}
		}
		byte[] bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
		try (OutputStream out = exchange.getResponseBody()) {
			exchange.getResponseHeaders().set("Content-Type", "application/json");
			exchange.sendResponseHeaders(status, bytes.length);
			out.write(bytes);
		}
		catch (IOException e) {
			// the client went away; nothing to tell it
		}
		finally {
			exchange.close();
		}
	}

	private Object route(String method, URI uri, InputStream requestBody) {
		String[] parts = uri.getPath().replaceAll("^/+|/+$", "").split("/");
		Map<String, String> query = queryParameters(uri.getRawQuery());
		String first = parts[0];
		switch (method) {
			case "GET" -> {
				if (parts.length == 1) {
					switch (first) {
						case "health":
							return Map.of("status", "UP", "node", name);
						case "stats":
							return stats.snapshot();
						case "catalog":
							return catalog.catalog();
						default:
							break;
					}
				}
				if (first.equals("products") && parts.length == 2) {
					return catalog.product(id(parts[1]));
				}
				if (first.equals("products") && parts.length == 3 && parts[1].equals("sku")) {
					return catalog.productBySku(parts[2]);
				}
				if (first.equals("categories") && parts.length == 3 && parts[2].equals("products")) {
					return catalog.categoryProducts(id(parts[1]));
				}
				if (first.equals("queries") && parts.length == 2 && parts[1].equals("products-of-category")) {
					return catalog.productsOfCategory(id(required(query, "categoryId")));
				}
				if (first.equals("queries") && parts.length == 2 && parts[1].equals("products-under-price")) {
					return catalog.productsUnderPrice(decimal("maxPrice", required(query, "maxPrice")));
				}
			}
			case "PUT" -> {
				if (first.equals("products") && parts.length == 2) {
					Map<String, Object> body = body(requestBody);
					Object price = body.get("price");
					Object newName = body.get("name");
					return catalog.update(id(parts[1]), price == null ? null : decimal("price", price.toString()),
							newName == null ? null : newName.toString());
				}
			}
			case "POST" -> {
				if (first.equals("products") && parts.length == 1) {
					Map<String, Object> body = body(requestBody);
					Object price = body.get("price");
					Object category = body.get("categoryId");
					if (category == null) {
						throw HttpError.badRequest("A new product needs 'sku', 'name', 'price' and 'categoryId'.");
					}
					return catalog.insert(string(body.get("sku")), string(body.get("name")),
							price == null ? null : decimal("price", price.toString()), id(category.toString()));
				}
			}
			case "DELETE" -> {
				if (first.equals("products") && parts.length == 2) {
					return catalog.delete(id(parts[1]));
				}
			}
			default -> {
				// answered below
			}
		}
		throw HttpError.notFound("No such resource: " + method + " " + uri.getPath()
				+ ". See the API list in SampleNode's Javadoc or the README.");
	}

	private static Map<String, Object> error(String message) {
		Map<String, Object> json = new HashMap<>();
		json.put("error", message);
		return json;
	}

	private static String string(Object value) {
		return value == null ? null : value.toString();
	}

	private static Map<String, Object> body(InputStream in) {
		try {
			String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
			return Json.parseObject(text);
		}
		catch (IOException e) {
			throw HttpError.badRequest("Cannot read the request body: " + e.getMessage());
		}
		catch (IllegalArgumentException e) {
			throw HttpError.badRequest(e.getMessage());
		}
	}

	private static long id(String text) {
		try {
			return Long.parseLong(text);
		}
		catch (NumberFormatException e) {
			throw HttpError.badRequest("Invalid id '" + text + "': expected a whole number.");
		}
	}

	private static BigDecimal decimal(String parameter, String text) {
		try {
			return new BigDecimal(text);
		}
		catch (NumberFormatException e) {
			throw HttpError.badRequest("Invalid '" + parameter + "': '" + text + "'. Expected an amount such as 12.50.");
		}
	}

	private static String required(Map<String, String> query, String parameter) {
		String value = query.get(parameter);
		if (value == null || value.isEmpty()) {
			throw HttpError.badRequest("Missing query parameter '" + parameter + "'.");
		}
		return value;
	}

	private static Map<String, String> queryParameters(String rawQuery) {
		Map<String, String> map = new HashMap<>();
		if (rawQuery == null || rawQuery.isEmpty()) {
			return map;
		}
		for (String pair : rawQuery.split("&")) {
			int eq = pair.indexOf('=');
			String key = eq < 0 ? pair : pair.substring(0, eq);
			String value = eq < 0 ? "" : pair.substring(eq + 1);
			map.put(URLDecoder.decode(key, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
		}
		return map;
	}

	/** Classifies and describes exceptions for one-line messages. */
	static final class Errors {
		private Errors() {
		}

		/** A lost optimistic-locking race, a lock timeout or a duplicate key: nothing was committed. */
		static boolean isConflict(Throwable e) {
			for (Throwable t = e; t != null; t = t.getCause()) {
				if (t instanceof OptimisticLockException || t instanceof StaleStateException
						|| t instanceof PessimisticLockException || t instanceof LockTimeoutException
						|| t instanceof LockAcquisitionException || t instanceof ConstraintViolationException) {
					return true;
				}
			}
			return false;
		}

		static String describeConflict(Throwable e) {
			for (Throwable t = e; t != null; t = t.getCause()) {
				if (t instanceof ConstraintViolationException c) {
					return "Conflict: the write breaks the database constraint '" + c.getConstraintName()
							+ "', for example a SKU that already exists. Nothing was committed.";
				}
			}
			return "Conflict: another transaction changed or locked this product first (" + describe(e)
					+ "). Nothing was committed; read it again and retry.";
		}

		/**
		 * The most telling message of a cause chain: the first one thrown by ClusterCache if any (its messages say
		 * how to fix the problem), else the deepest one.
		 */
		static String describe(Throwable e) {
			Throwable deepest = e;
			for (Throwable t = e; t != null; t = t.getCause()) {
				if (t.getClass().getName().startsWith("dev.clustercache.") && t.getMessage() != null
						&& !(t instanceof SampleException)) {
					return DatabaseConfig.firstLine(t.getMessage());
				}
				if (t.getMessage() != null) {
					deepest = t;
				}
				if (t.getCause() == t) {
					break;
				}
			}
			return DatabaseConfig.firstLine(deepest.getMessage());
		}
	}
}
