package dev.tinyvol.messages.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.manifest.DirEntry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class RequestCodecTest {

    static byte[] example(String name) throws IOException {
        try (InputStream in = RequestCodecTest.class.getResourceAsStream("/examples/" + name)) {
            return in.readAllBytes();
        }
    }

    static Request decode(String json) {
        return RequestCodec.decode(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsEveryFieldOfTheContract() throws IOException {
        Request r = RequestCodec.decode(example("assemble-ref.json"));
        assertEquals(new Request(1, "r-1", "rollout-7", Action.ASSEMBLE, "node-001", "web-1", "nginx-1.27", null,
                RequestOptions.DEFAULTS, Instant.parse("2026-11-26T18:00:00Z")), r);
        assertEquals("web-1", r.key());
        Request inline = RequestCodec.decode(example("assemble-inline-v2.json"));
        assertEquals(new DirEntry(0700, 101, 101), inline.manifest().entries().get("var/cache/nginx"));
        assertEquals(1, RequestCodec.decode(example("assemble-inline-v1.json")).manifest().version());
        Request list = RequestCodec.decode(example("list.json"));
        assertNull(list.volume());
        assertEquals("*", list.key());
        assertTrue(RequestCodec.decode(example("purge-dry-run.json")).options().dryRun());
    }

    @Test
    void encodeThenDecodeGivesTheSameRequest() throws IOException {
        for (String name : new String[] {"assemble-ref.json", "assemble-inline-v2.json", "assemble-inline-v1.json",
                "teardown.json", "list.json", "purge-dry-run.json", "verify.json"}) {
            Request r = RequestCodec.decode(example(name));
            assertEquals(r, RequestCodec.decode(RequestCodec.encode(r)), name);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "not json at all",
            "[1, 2]",
            "{\"action\":\"LIST\",\"node\":\"n\"}",
            "{\"requestId\":42,\"action\":\"LIST\",\"node\":\"n\"}",
            "{\"requestId\":\"\",\"action\":\"LIST\",\"node\":\"n\"}",
            "{\"requestId\":\"a\",\"requestId\":\"b\"}"})
    void recordsWithoutAReadableRequestIdAreUnreadable(String json) {
        UnreadableRecordException e = assertThrows(UnreadableRecordException.class, () -> decode(json));
        assertTrue(e.getMessage().length() > 5, e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"requestId\":\"r\",\"node\":\"n\"}|action|is required",
            "{\"requestId\":\"r\",\"action\":\"EXPLODE\",\"node\":\"n\"}|action|is not one of",
            "{\"requestId\":\"r\",\"action\":\"LIST\"}|node|is required",
            "{\"requestId\":\"r\",\"action\":\"TEARDOWN\",\"node\":\"n\"}|volume|is required for TEARDOWN",
            "{\"requestId\":\"r\",\"action\":\"TEARDOWN\",\"node\":\"n\",\"volume\":\"../x\"}|volume|must start with a letter",
            "{\"requestId\":\"r\",\"action\":\"ASSEMBLE\",\"node\":\"n\",\"volume\":\"v\"}|manifestRef|needs manifestRef",
            "{\"requestId\":\"r\",\"action\":\"ASSEMBLE\",\"node\":\"n\",\"volume\":\"v\",\"manifestRef\":\"a\",\"manifest\":{\"objects\":{}}}|manifest|give one of",
            "{\"requestId\":\"r\",\"action\":\"ASSEMBLE\",\"node\":\"n\",\"volume\":\"v\",\"manifestRef\":\"a\",\"image\":\"r.example/a:1\"}|image|give one of",
            "{\"requestId\":\"r\",\"action\":\"ASSEMBLE\",\"node\":\"n\",\"volume\":\"v\",\"image\":\"debian 12\"}|image|not an image reference",
            "{\"requestId\":\"r\",\"action\":\"ASSEMBLE\",\"node\":\"n\",\"volume\":\"v\",\"manifest\":{\"objects\":{\"../x\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}}}|manifest.objects[\"../x\"]|path contains '..'",
            "{\"requestId\":\"r\",\"action\":\"ASSEMBLE\",\"node\":\"n\",\"volume\":\"v\",\"manifest\":{\"version\":2,\"entries\":{\"f\":{\"digest\":\"x\"}}}}|manifest.entries[\"f\"].digest|64 lowercase hex",
            "{\"requestId\":\"r\",\"action\":\"LIST\",\"node\":\"n\",\"schemaVersion\":2}|schemaVersion|is not known",
            "{\"requestId\":\"r\",\"action\":\"LIST\",\"node\":\"n\",\"options\":{\"dryRun\":\"yes\"}}|options.dryRun|must be true or false",
            "{\"requestId\":\"r\",\"action\":\"LIST\",\"node\":\"n\",\"deadline\":\"tomorrow\"}|deadline|ISO-8601",
            "{\"requestId\":\"r\",\"action\":\"LIST\",\"node\":7}|node|must be a string"})
    void invalidRequestsNameTheFieldAndKeepWhatWasReadable(String json, String field, String reason) {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> decode(json));
        assertEquals(field, e.field());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertEquals("r", e.requestId());
    }
}
