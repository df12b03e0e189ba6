package dev.tinyvol.worker.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Drops the line Kafka's NetworkClient logs when the broker refuses a connection's TLS or
 * credentials, and the one its Metadata logs when an ACL is missing. The same failure reaches the code that made the client as an exception, and TinyVol
 * says it there in one line with what to check (KAFKA_TLS, KAFKA_AUTHENTICATION); Kafka's copy would
 * be a second, vaguer line ("SSL handshake failed") before it. Everything else Kafka logs passes.
 * In {@code config/logback*.xml} as {@code <turboFilter class="dev.tinyvol.worker.logging.ReportedByCaller"/>}.
 */
public final class ReportedByCaller extends TurboFilter {

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (format != null && logger.getName().equals("org.apache.kafka.clients.NetworkClient")
                && format.contains("failed authentication due to")) {
            return FilterReply.DENY;
        }
        // A missing ACL: Kafka's Metadata says "Topic authorization failed for topics [...]" before the
        // caller gets TopicAuthorizationException and says KAFKA_NOT_AUTHORIZED with what to grant.
        if (format != null && logger.getName().equals("org.apache.kafka.clients.Metadata")
                && format.contains("authorization failed")) {
            return FilterReply.DENY;
        }
        return FilterReply.NEUTRAL;
    }
}
