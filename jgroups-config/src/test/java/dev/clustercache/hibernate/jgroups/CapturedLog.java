package dev.clustercache.hibernate.jgroups;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Records what JGroups logs at WARN (WARNING) and above during each test. JGroups logs through java.util.logging
 * when neither Log4j 2 nor SLF4J is on the classpath, as in this module's tests.
 */
final class CapturedLog implements BeforeEachCallback, AfterEachCallback {

    /** Held here: java.util.logging keeps loggers only weakly, and a collected logger would lose the handler. */
    private final Logger logger = Logger.getLogger("org.jgroups");
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                lines.add(record.getLevel() + " [" + record.getSourceClassName() + "] " + record.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @Override
    public void beforeEach(ExtensionContext context) {
        lines.clear();
        logger.addHandler(handler);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        logger.removeHandler(handler);
    }

    /** The lines logged so far that contain {@code text}. */
    List<String> linesContaining(String text) {
        return lines.stream().filter(line -> line.contains(text)).toList();
    }
}
