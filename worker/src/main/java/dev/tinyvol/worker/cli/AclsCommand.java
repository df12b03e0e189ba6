package dev.tinyvol.worker.cli;

import dev.tinyvol.client.Acls;
import dev.tinyvol.client.ClientFailure;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AclBinding;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tinyvol acls}. */
@Command(name = "acls", header = "Prints, or creates, the Kafka ACLs for a node or a scheduler.",
        mixinStandardHelpOptions = true,
        description = {"Prints the ACLs docs/security.md (\"Secured Kafka\") describes: for a node, Read on its request "
                + "topic, Write on its dead-letter topic and tinyvol.results, Read on its group and Write and Describe "
                + "on its transactional id (both tinyvol-worker-NODE); for a scheduler, Write on every tinyvol.requests. "
                + "topic (a prefixed ACL) and Read on tinyvol.results. With --apply, creates them through the Admin API "
                + "of the cluster --bootstrap or --kafka-config names (as a principal allowed to alter ACLs)."})
final class AclsCommand implements Callable<Integer> {

    @ArgGroup(multiplicity = "1")
    Who who;

    static final class Who {
        @Option(names = "--node", paramLabel = "NODE", converter = Converters.NodeId.class, description = "A node's ACLs.")
        String node;

        @Option(names = "--scheduler", description = "A scheduler's ACLs.")
        boolean scheduler;
    }

    @Option(names = "--principal", paramLabel = "PRINCIPAL", description = "Who they are for (default: User:NODE for a "
            + "node, User:tinyvol-scheduler for a scheduler).")
    String principal;

    @Option(names = "--apply", description = "Create them in the cluster (existing ones are left as they are).")
    boolean apply;

    @Mixin
    KafkaOptions kafka;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        String name = principal != null ? principal : who.node != null ? "User:" + who.node : "User:tinyvol-scheduler";
        if (!name.matches("[A-Za-z]+:.+")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--principal must be TYPE:NAME, e.g. User:node-017, not " + name);
        }
        List<AclBinding> acls = who.node != null ? Acls.forNode(who.node, name) : Acls.forScheduler(name);
        PrintWriter out = spec.commandLine().getOut();
        acls.forEach(a -> out.println(Acls.describe(a)));
        out.flush();
        if (!apply) {
            return 0;
        }
        java.util.Map<String, Object> settings = new java.util.HashMap<>(kafka.clientSettings());
        // The admin client wants its per-request time-out no longer than the whole call's.
        settings.put("request.timeout.ms", settings.get("default.api.timeout.ms"));
        try (Admin admin = Admin.create(settings)) {
            admin.createAcls(acls).all().get(kafka.connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof org.apache.kafka.common.errors.SecurityDisabledException) {
                throw new ClientFailure("KAFKA_NO_AUTHORIZER", "the cluster has no authorizer, so it keeps no ACLs ("
                        + cause.getMessage() + "); enable one (authorizer.class.name, e.g. StandardAuthorizer on KRaft)", cause);
            }
            if (cause instanceof org.apache.kafka.common.errors.ClusterAuthorizationException) {
                // The broker's own text names its request objects; what matters is the permission.
                throw new ClientFailure("KAFKA_NOT_AUTHORIZED", "this principal may not alter ACLs (that needs ALTER on "
                        + "the cluster); run it with an admin's credentials (--kafka-config)", cause);
            }
            // A refused password or certificate is said as such, not hidden under "creating the ACLs failed".
            ClientFailure known = dev.tinyvol.client.KafkaFailures.classify(cause);
            throw known != null ? known : new ClientFailure("KAFKA_ACLS_FAILED", "creating the ACLs failed: "
                    + cause.getMessage(), cause);
        } catch (TimeoutException e) {
            throw new ClientFailure("KAFKA_UNREACHABLE", "the cluster did not answer within " + kafka.connectTimeout.toSeconds()
                    + " s; check --bootstrap and that the brokers run", e);
        }
        spec.commandLine().getErr().println("created " + acls.size() + " ACLs for " + name);
        spec.commandLine().getErr().flush();
        return 0;
    }
}
