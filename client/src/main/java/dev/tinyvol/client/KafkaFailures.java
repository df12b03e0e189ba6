package dev.tinyvol.client;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;

/**
 * The Kafka failures that waiting cannot mend, in words: a client refusing its settings, TLS the
 * client cannot trust, credentials the broker refuses, an operation no ACL allows. Kafka's clients
 * give up at once on these (they are not retriable), and so must every caller: each is one
 * {@link ClientFailure} with a stable code and what to check, found anywhere in the cause chain so
 * it does not matter which client, thread or wrapper it came through.
 */
public final class KafkaFailures {

    private KafkaFailures() {
    }

    /** The failure {@code e} is or was caused by, in words, or null if it is none of these kinds. */
    public static ClientFailure classify(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            ClientFailure f = one(t);
            if (f != null) {
                return f;
            }
        }
        return null;
    }

    private static ClientFailure one(Throwable t) {
        if (t instanceof ClientFailure f && f.code().startsWith("KAFKA_")) {
            return f; // already said (tinyvol acls says which ACL it could not create)
        }
        if (t instanceof ConfigException) {
            return new ClientFailure("KAFKA_CONFIG", oneLine(t) + "; check the Kafka client settings (--kafka-config and "
                    + "--bootstrap, or kafka.* in the worker's configuration)", t);
        }
        if (t instanceof SslAuthenticationException) {
            return new ClientFailure("KAFKA_TLS", "the TLS handshake with the broker failed (" + rootMessage(t) + "): the "
                    + "client does not trust the broker's certificate, or the certificate names another host; check "
                    + "ssl.truststore.location holds the CA that signed the broker's certificate", t);
        }
        if (t instanceof SaslAuthenticationException || t instanceof AuthenticationException) {
            return new ClientFailure("KAFKA_AUTHENTICATION", "the broker refused the credentials (" + oneLine(t) + "); "
                    + "check the user name and password in sasl.jaas.config and sasl.mechanism", t);
        }
        if (t instanceof ClusterAuthorizationException) {
            // The broker's text here names its own request objects: not for people.
            return new ClientFailure("KAFKA_NOT_AUTHORIZED", "this principal may not do that to the cluster (it needs "
                    + "a cluster ACL, or an admin's credentials)", t);
        }
        if (t instanceof AuthorizationException) {
            return new ClientFailure("KAFKA_NOT_AUTHORIZED", oneLine(t) + "; no ACL allows this principal that: "
                    + "'tinyvol acls --node N' and 'tinyvol acls --scheduler' print what a node and a scheduler need", t);
        }
        return null;
    }

    private static String oneLine(Throwable t) {
        return String.valueOf(t.getMessage()).replace('\n', ' ').strip();
    }

    /** TLS failures wrap the reason (an untrusted path, a wrong host) a few causes down. */
    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return oneLine(root);
    }
}
