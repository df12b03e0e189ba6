package dev.tinyvol.messages.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The JSON Schemas shipped in the jar accept what the codecs write and refuse what they refuse. */
class SchemaConformanceTest {

    static final ObjectMapper JSON = new ObjectMapper();

    static Schema schema(String name) throws IOException {
        try (InputStream in = SchemaConformanceTest.class.getResourceAsStream("/schema/" + name)) {
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
        }
    }

    @Test
    void everyExampleRequestConformsAndSurvivesEncoding() throws IOException {
        Schema schema = schema("request.schema.json");
        for (String name : new String[] {"assemble-ref.json", "assemble-inline-v2.json", "assemble-inline-v1.json",
                "teardown.json", "list.json", "purge-dry-run.json", "verify.json", "assemble-image.json"}) {
            byte[] example = RequestCodecTest.example(name);
            assertEquals(List.of(), schema.validate(JSON.readTree(example)), name);
            assertEquals(List.of(), schema.validate(JSON.readTree(RequestCodec.encode(RequestCodec.decode(example)))), name);
        }
    }

    @Test
    void theRequestSchemaRefusesWhatTheCodecRefuses() throws IOException {
        Schema schema = schema("request.schema.json");
        for (String bad : new String[] {
                "{\"action\":\"LIST\",\"node\":\"n\"}",
                "{\"requestId\":\"r\",\"action\":\"EXPLODE\",\"node\":\"n\"}",
                "{\"requestId\":\"r\",\"action\":\"TEARDOWN\",\"node\":\"n\"}",
                "{\"requestId\":\"r\",\"action\":\"TEARDOWN\",\"node\":\"n\",\"volume\":\"../x\"}",
                "{\"requestId\":\"r\",\"action\":\"ASSEMBLE\",\"node\":\"n\",\"volume\":\"v\"}",
                "{\"requestId\":\"r\",\"action\":\"ASSEMBLE\",\"node\":\"n\",\"volume\":\"v\",\"manifest\":{\"objects\":{\"../x\":\"" + "a".repeat(64) + "\"}}}",
                "{\"requestId\":\"r\",\"action\":\"ASSEMBLE\",\"node\":\"n\",\"volume\":\"v\",\"manifest\":{\"objects\":{\"/etc/x\":\"" + "a".repeat(64) + "\"}}}",
                "{\"requestId\":\"r\",\"action\":\"ASSEMBLE\",\"node\":\"n\",\"volume\":\"v\",\"manifest\":{\"version\":2,\"entries\":{\"f\":{\"digest\":\"" + "A".repeat(64) + "\"}}}}",
                "{\"requestId\":\"r\",\"action\":\"LIST\",\"node\":\"n\",\"options\":{\"dryRun\":\"yes\"}}",
                "{\"requestId\":\"r\",\"action\":\"ASSEMBLE\",\"node\":\"n\",\"volume\":\"v\",\"image\":\"debian 12\"}",
                "{\"requestId\":\"r\",\"action\":\"ASSEMBLE\",\"node\":\"n\",\"volume\":\"v\",\"manifestRef\":\"a\",\"image\":\"r.example/a:1\"}"}) {
            JsonNode node = JSON.readTree(bad);
            assertFalse(schema.validate(node).isEmpty(), bad);
        }
    }

    @Test
    void resultsTheCodecWritesConform() throws IOException {
        Schema schema = schema("result.schema.json");
        Instant now = Instant.parse("2026-11-26T18:00:00Z");
        Result ok = new Result(1, "r-1", "rollout-7", Action.ASSEMBLE, "node-001", "web-1", Status.SUCCEEDED, "BUILT",
                "/var/lib/tinyvol/volumes/web-1", 100, 2, 5, 10, 4096, 12, 1, List.of(), List.of("copied 2 files"), now, now,
                "0.1.0", List.of(), null);
        Result rejected = new Result(1, "r-2", null, null, "node-001", null, Status.REJECTED, null, null, 0, 0, 0, 0, 0, 0, 0,
                List.of(new ResultError("INVALID_FIELD", "action", "action: is required")), List.of(), now, now, "0.1.0", List.of(), null);
        Result list = new Result(1, "r-3", null, Action.LIST, "node-001", null, Status.SUCCEEDED, null, null, 0, 0, 0, 0, 0, 1, 1,
                List.of(), List.of(), now, now, "0.1.0", List.of(new VolumeSummary("web-1", "nginx", "ab", 3, 10, now)), null);
        Result verify = new Result(1, "r-4", null, Action.VERIFY, "node-001", "web-1", Status.SUCCEEDED, null, null, 0, 0, 0, 0, 0, 1, 1,
                List.of(), List.of(), now, now, "0.1.0", List.of(), new VerifySummary(true, 10, 0, 0, 0, List.of()));
        Result pulled = new Result(1, "r-5", null, Action.ASSEMBLE, "node-001", "web-2", Status.SUCCEEDED, "BUILT",
                "/var/lib/tinyvol/volumes/web-2", 100, 0, 5, 10, 4096, 900, 1, List.of(), List.of(), now, now, "0.1.0", List.of(), null,
                "sha256:" + "c".repeat(64), 3, 123_456, 800);
        Result gc = new Result(1, "r-6", null, Action.GC, "node-001", null, Status.SUCCEEDED, "COLLECTED", null, 0, 0, 0, 0,
                4096, 30, 1, List.of(), List.of(), now, now, "0.1.0", List.of(), null, null, 0, 0, 0, new GcSummary(2, 3, 4096, 100));
        for (Result r : List.of(ok, rejected, list, verify, pulled, gc)) {
            byte[] json = ResultCodec.encode(r);
            assertEquals(List.of(), schema.validate(JSON.readTree(json)), new String(json));
            assertEquals(r, ResultCodec.decode(json));
        }
        JsonNode failedWithoutErrors = JSON.readTree(new String(ResultCodec.encode(rejected)).replaceAll("\"errors\":\\[.*?\\]", "\"errors\":[]"));
        assertFalse(schema.validate(failedWithoutErrors).isEmpty(), "a REJECTED result must say why");
    }

    /** Issue 20 item 2: bounded results and LIST pages conform, and results of older workers read as whole. */
    @Test
    void boundedResultsAndPagesConformAndOldResultsReadAsWhole() throws IOException {
        Schema results = schema("result.schema.json");
        Instant now = Instant.parse("2026-11-26T18:00:00Z");
        Result page = new Result(1, "r-7", null, Action.LIST, "node-001", null, Status.SUCCEEDED, null, null, 0, 0, 0, 0, 0, 1, 1,
                List.of(), List.of("w1"), now, now, "0.1.0", List.of(new VolumeSummary("web-1", "nginx", "ab", 3, 10, now)), null,
                null, 0, 0, 0, null, null, 0, null, true, 5000, 0, 50_000, "web-1");
        byte[] json = ResultCodec.encode(page);
        assertEquals(List.of(), results.validate(JSON.readTree(json)), new String(json));
        assertEquals(page, ResultCodec.decode(json));
        // A result written before bounded results: no totals, no truncated; its lists are whole.
        Result old = ResultCodec.decode(("{\"schemaVersion\":1,\"requestId\":\"r\",\"node\":\"n\",\"action\":\"LIST\","
                + "\"status\":\"SUCCEEDED\",\"filesLinked\":0,\"filesCopied\":0,\"dirsCreated\":0,\"bytes\":0,"
                + "\"durationMs\":1,\"attempts\":1,\"errors\":[],\"warnings\":[\"a\",\"b\"],\"startedAt\":\"2026-11-26T18:00:00Z\","
                + "\"finishedAt\":\"2026-11-26T18:00:00Z\",\"workerVersion\":\"0.1.0\",\"volumes\":[{\"volume\":\"v\"}]}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(2, old.warningsTotal());
        assertEquals(1, old.volumesTotal());
        assertFalse(old.truncated());
        assertEquals(null, old.nextPage());

        Schema requests = schema("request.schema.json");
        Request list = RequestCodec.decode("{\"requestId\":\"r\",\"action\":\"LIST\",\"node\":\"n\",\"options\":{\"after\":\"web-1\",\"limit\":500}}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("web-1", list.options().after());
        assertEquals(500, list.options().pageSize());
        byte[] encoded = RequestCodec.encode(list);
        assertEquals(List.of(), requests.validate(JSON.readTree(encoded)), new String(encoded));
        assertEquals(list, RequestCodec.decode(encoded));
        for (String bad : new String[] {"0", "10001", "\"10\"", "1.5"}) {
            String text = "{\"requestId\":\"r\",\"action\":\"LIST\",\"node\":\"n\",\"options\":{\"limit\":" + bad + "}}";
            InvalidRequestException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidRequestException.class,
                    () -> RequestCodec.decode(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)), text);
            assertEquals(true, e.getMessage().contains("options.limit"), e.getMessage());
            assertFalse(requests.validate(JSON.readTree(text)).isEmpty(), text);
        }
    }
}
