package dev.clustercache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Map;

import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code security=encrypt,auth}: nodes that hold the cluster's key and secret form a cluster and invalidate each
 * other; a node with the wrong secret is refused.
 */
class SecureClusterIT {

	@TempDir
	Path dir;

	private Path keystore() throws Exception {
		KeyGenerator generator = KeyGenerator.getInstance("AES");
		generator.init(256);
		SecretKey key = generator.generateKey();
		KeyStore ks = KeyStore.getInstance("PKCS12");
		ks.load(null, null);
		ks.setEntry("clustercache", new KeyStore.SecretKeyEntry(key),
				new KeyStore.PasswordProtection("changeit".toCharArray()));
		Path file = dir.resolve("cluster.p12");
		try (OutputStream out = Files.newOutputStream(file)) {
			ks.store(out, "changeit".toCharArray());
		}
		return file;
	}

	@Test
	void nodesWithTheKeyAndSecret_formACluster_andANodeWithAWrongSecretIsRefused() throws Exception {
		Path keystore = keystore();
		Map<String, Object> secure = Map.of(
				"hibernate.cache.clustercache.security", "encrypt,auth",
				"hibernate.cache.clustercache.jgroups.encrypt.keystore", keystore.toString(),
				"hibernate.cache.clustercache.jgroups.encrypt.keystore_password", "changeit",
				"hibernate.cache.clustercache.jgroups.auth.secret", "the cluster's secret");
		try (TestCluster cluster = TestCluster.start(SecureClusterIT.class, 2, secure)) {
			TestNode a = cluster.node(0);
			TestNode b = cluster.node(1);
			a.inTransaction(s -> s.persist(new Item(1L, "sku-1", "secret item", 1, null)));
			assertThat(b.find(Item.class, 1L).price).isEqualTo(1);
			a.inTransaction(s -> s.find(Item.class, 1L).price = 2);
			assertThat(b.find(Item.class, 1L).price).isEqualTo(2);

			Map<String, Object> intruder = cluster.settings(0);
			intruder.put("hibernate.cache.clustercache.node_name", "X");
			intruder.put("hibernate.hbm2ddl.auto", "none");
			intruder.put("hibernate.cache.clustercache.jgroups.bind_port",
					String.valueOf(TestCluster.freePorts(1).get(0)));
			intruder.put("hibernate.cache.clustercache.jgroups.auth.secret", "a guess");
			assertThatThrownBy(() -> TestNode.start("X", intruder).close())
					.hasStackTraceContaining("authentication failed");
			assertThat(a.regionFactory().getClusterMembers()).hasSize(2);
		}
	}
}
