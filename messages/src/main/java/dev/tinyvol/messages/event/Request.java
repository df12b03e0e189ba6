package dev.tinyvol.messages.event;

import dev.tinyvol.messages.manifest.Manifest;
import java.time.Instant;

/**
 * A request to one node (DESIGN.md, "Events"). Built by {@link RequestCodec#decode}, which has
 * checked every field; or by a sender, and then checked by {@link RequestCodec#encode}.
 *
 * @param correlationId optional; ties together the requests of one rollout
 * @param volume        null for LIST and PURGE
 * @param manifestRef   a stored manifest's name, or null
 * @param manifest      an inline manifest, or null
 * @param deadline      optional; a request read after it is answered EXPIRED
 * @param image         ASSEMBLE, VERIFY: an OCI image ({@code host[:port]/repo[:tag][@sha256:…]}) the
 *                      node pulls if it lacks it, instead of manifestRef or manifest; or null
 */
public record Request(int schemaVersion, String requestId, String correlationId, Action action, String node,
                      String volume, String manifestRef, Manifest manifest, RequestOptions options, Instant deadline,
                      String image) {

    public static final int SCHEMA_VERSION = 1;

    public Request {
        options = options == null ? RequestOptions.DEFAULTS : options;
    }

    /** A request without an image (what every sender before images wrote). */
    public Request(int schemaVersion, String requestId, String correlationId, Action action, String node,
                   String volume, String manifestRef, Manifest manifest, RequestOptions options, Instant deadline) {
        this(schemaVersion, requestId, correlationId, action, node, volume, manifestRef, manifest, options, deadline, null);
    }

    /** The Kafka key: the volume, so requests for one volume stay in order; {@code *} for node-wide actions. */
    public String key() {
        return action.perVolume() ? volume : Topics.NODE_WIDE_KEY;
    }
}
