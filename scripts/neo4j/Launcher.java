/*
 * Runs a Neo4j Community DBMS in this JVM with only its Bolt connector, for the test suite and for
 * trying flowreg's Neo4j mode by hand. Started from source (no compile step):
 *
 *   java -Xmx512m -cp '.cache/neo4j/lib/*' scripts/neo4j/Launcher.java DATA_DIR BOLT_PORT [PASSWORD]
 *
 * PASSWORD defaults to the NEO4J_PASSWORD environment variable (so it need not show in `ps`).
 * With -Dflowreg.neo4j.exitOnStdinEof=true it also stops when its stdin reaches end of file, which
 * is how a parent process that dies without stopping it (kill -9, a crashed test run) still ends it.
 * Prints "FLOWREG-NEO4J READY bolt://127.0.0.1:PORT version=X" once Bolt accepts connections with
 * user neo4j and that password, and shuts the DBMS down cleanly on SIGTERM or Ctrl-C.
 */

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.QueryExecutionException;
import org.neo4j.io.ByteUnit;

public final class Launcher {
    private static final String HOST = "127.0.0.1";
    private static final String TAG = "FLOWREG-NEO4J";
    // Small by default: the suite shares 2 cores and the test graphs are tiny. A benchmark of a large
    // registry sets -Dflowreg.neo4j.pageCacheMiB (the whole store should fit, as in production).
    private static final long PAGE_CACHE_BYTES =
            ByteUnit.mebiBytes(Long.getLong("flowreg.neo4j.pageCacheMiB", 64L));
    private static final Duration SHUTDOWN_WAIT = Duration.ofMillis(500);

    private Launcher() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: Launcher.java DATA_DIR BOLT_PORT [PASSWORD]");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);
        String password = args.length == 3 ? args[2] : System.getenv("NEO4J_PASSWORD");
        if (password == null || password.length() < 8) {
            // Neo4j 5 refuses passwords shorter than 8 characters; say so before starting anything.
            System.err.println(TAG + " ERROR: the password (argument or NEO4J_PASSWORD) needs 8+ characters");
            System.exit(2);
        }

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(HOST, port))
                .setConfig(GraphDatabaseSettings.default_listen_address, new SocketAddress(HOST))
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.pagecache_memory, PAGE_CACHE_BYTES)
                // Throw-away stores: no 250 MiB preallocated transaction logs, no phoning home.
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                // Bolt otherwise idles 2 x 5 s on shutdown even with no client connected.
                .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, SHUTDOWN_WAIT)
                .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, SHUTDOWN_WAIT)
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println(TAG + " stopping");
            dbms.shutdown();
            System.out.println(TAG + " stopped");
            System.out.flush();
            stopped.countDown();
        }, "neo4j-shutdown"));
        if (Boolean.getBoolean("flowreg.neo4j.exitOnStdinEof")) {
            watchStdin();
        }

        setPassword(dbms, password);
        String version = (String) dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME)
                .executeTransactionally("CALL dbms.components() YIELD versions RETURN versions[0] AS v",
                        Map.of(), result -> result.next().get("v"));
        awaitBolt(port);
        System.out.println(TAG + " READY bolt://" + HOST + ":" + port + " version=" + version);
        System.out.flush();
        stopped.await(); // the shutdown hook ends the JVM; main only has to stay alive
    }

    /** Sets the neo4j user's password through the system database, so no neo4j-admin step is needed. */
    private static void setPassword(DatabaseManagementService dbms, String password) {
        try {
            dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED", Map.of("password", password));
        } catch (QueryExecutionException e) {
            // A reused data directory may already hold this password, which Neo4j refuses to "change".
            String message = String.valueOf(e.getMessage());
            if (!message.contains("Old password and new password cannot be the same")) {
                throw e;
            }
        }
    }

    /** Exits (running the shutdown hook) once stdin is closed, i.e. once the parent process is gone. */
    private static void watchStdin() {
        Thread watcher = new Thread(() -> {
            try {
                while (System.in.read() != -1) {
                    // Input carries no meaning; only its end does.
                }
            } catch (IOException e) {
                // A broken stdin means the same as a closed one.
            }
            System.exit(0);
        }, "stdin-watcher");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** Waits until the Bolt port takes TCP connections (the connector may bind after build() returns). */
    private static void awaitBolt(int port) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(HOST, port), 1_000);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Bolt did not open " + HOST + ":" + port, e);
                }
                Thread.sleep(100);
            }
        }
    }
}
