package dev.tinyvol.worker.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The built-in logging of the command line, set up in code rather than from an XML file: warnings
 * and errors on stderr, so command output stays clean. Parsing a logback.xml cost a short command
 * about 0.2 s of its start. {@code -Dtinyvol.log.level} and {@code -Dtinyvol.kafka.log.level} change
 * the levels. Given {@code -Dlogback.configurationFile} (the worker is started with
 * config/logback.xml), this steps aside and that file is read as usual.
 */
public final class CommandLineLogging extends ContextAwareBase implements Configurator {

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        // The MDC (node, requestId, volume) after the message when there is one, as config/logback.xml does.
        encoder.setPattern("%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%replace( [%mdc]){' \\[\\]$', ''}%n");
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        // Commands log only what goes wrong; the worker says what it is doing (a line per request).
        root.setLevel(Level.toLevel(System.getProperty("tinyvol.log.level"), workerRunning() ? Level.INFO : Level.WARN));
        root.addAppender(stderr);
        // Kafka's clients warn at length while a broker is unreachable; the command line reports that itself.
        context.getLogger("org.apache.kafka").setLevel(Level.toLevel(System.getProperty("tinyvol.kafka.log.level"), Level.ERROR));
        ReportedByCaller reported = new ReportedByCaller();
        reported.setContext(context);
        reported.start();
        context.addTurboFilter(reported);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** Set by the command line before anything logs, when the command is {@code worker}. */
    public static final String WORKER_PROPERTY = "tinyvol.command.worker";

    private static boolean workerRunning() {
        return Boolean.getBoolean(WORKER_PROPERTY);
    }
}
