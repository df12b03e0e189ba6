package dev.tinyvol.worker.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Kafka's own copies of failures TinyVol reports itself, in one line with what to do, are dropped;
 * everything else Kafka logs passes (issue 21, first hour item 4: a refused scheduler saw Kafka's
 * "Topic authorization failed" before TinyVol's KAFKA_NOT_AUTHORIZED line).
 */
class ReportedByCallerTest {

    @Test
    void kafkasCopiesOfRefusalsAreDroppedAndNothingElse() {
        LoggerContext context = new LoggerContext();
        context.addTurboFilter(new ReportedByCaller());
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.setContext(context);
        seen.start();
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(seen);

        context.getLogger("org.apache.kafka.clients.Metadata").error("Topic authorization failed for topics {}",
                List.of("tinyvol.requests.node-a"));
        context.getLogger("org.apache.kafka.clients.NetworkClient").error(
                "[Producer clientId=p] Connection to node -1 failed authentication due to: {}", "bad password");
        context.getLogger("org.apache.kafka.clients.Metadata").warn("Error while fetching metadata with correlation id {} : {}",
                7, "LEADER_NOT_AVAILABLE");
        context.getLogger("org.apache.kafka.clients.NetworkClient").warn("Connection to node {} could not be established", 1);

        assertEquals(List.of("Error while fetching metadata with correlation id {} : {}",
                "Connection to node {} could not be established"), seen.list.stream().map(ILoggingEvent::getMessage).toList());
    }
}
