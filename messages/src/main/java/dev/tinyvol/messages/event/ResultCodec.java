package dev.tinyvol.messages.event;

import java.io.IOException;
import java.io.UncheckedIOException;

/** Results to and from JSON. */
public final class ResultCodec {

    private ResultCodec() {
    }

    public static byte[] encode(Result result) {
        try {
            return EventJson.MAPPER.writeValueAsBytes(result);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads a result; unknown fields (from newer workers) are ignored. */
    public static Result decode(byte[] json) {
        try {
            return EventJson.MAPPER.readValue(json, Result.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a TinyVol result: " + e.getMessage(), e);
        }
    }
}
