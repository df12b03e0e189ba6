package dev.tinyvol.client;

import dev.tinyvol.messages.event.Action;
import dev.tinyvol.messages.event.Request;
import dev.tinyvol.messages.event.RequestOptions;
import dev.tinyvol.messages.manifest.Manifest;
import java.time.Instant;
import java.util.UUID;

/**
 * A request with everything but its node, id and deadline: what a fan-out sends to every node.
 *
 * @param image an OCI image every node pulls if it lacks it (instead of manifestRef or manifest), or null
 */
public record RequestTemplate(Action action, String volume, String manifestRef, Manifest manifest, RequestOptions options,
                              String image) {

    public RequestTemplate(Action action, String volume, String manifestRef, Manifest manifest, RequestOptions options) {
        this(action, volume, manifestRef, manifest, options, null);
    }

    /** An assembly of an OCI image: each node pulls what it lacks of it, then assembles. */
    public static RequestTemplate assembleImage(String volume, String image) {
        return new RequestTemplate(Action.ASSEMBLE, volume, null, null, RequestOptions.DEFAULTS, image);
    }

    public static RequestTemplate assemble(String volume, String manifestRef) {
        return new RequestTemplate(Action.ASSEMBLE, volume, manifestRef, null, RequestOptions.DEFAULTS);
    }

    public static RequestTemplate assemble(String volume, Manifest manifest) {
        return new RequestTemplate(Action.ASSEMBLE, volume, null, manifest, RequestOptions.DEFAULTS);
    }

    public static RequestTemplate teardown(String volume) {
        return new RequestTemplate(Action.TEARDOWN, volume, null, null, RequestOptions.DEFAULTS);
    }

    /** The request for one node: its own requestId, the rollout's correlationId, the deadline. */
    public Request forNode(String node, String correlationId, Instant deadline) {
        return new Request(Request.SCHEMA_VERSION, UUID.randomUUID().toString(), correlationId, action, node,
                action.perVolume() ? volume : null, manifestRef, manifest, options, deadline, image);
    }
}
