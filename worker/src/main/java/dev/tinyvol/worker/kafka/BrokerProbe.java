package dev.tinyvol.worker.kafka;

import dev.tinyvol.worker.config.WorkerConfig;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/** Asks the cluster for its nodes, with a short timeout: does the broker answer now? */
public final class BrokerProbe implements AutoCloseable {

    private final Admin admin;

    public BrokerProbe(WorkerConfig config) {
        var props = KafkaClients.admin(config);
        props.put("client.id", KafkaClients.memberId(config) + "-probe");
        props.put("request.timeout.ms", 2000);
        props.put("default.api.timeout.ms", 2000);
        this.admin = Admin.create(props);
    }

    public boolean answers() {
        try {
            return !admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000)).nodes().get(3, TimeUnit.SECONDS).isEmpty();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return false;
        }
    }

    @Override
    public void close() {
        admin.close();
    }
}
