package dev.tinyvol.worker.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.messages.event.Action;
import dev.tinyvol.messages.event.Request;
import dev.tinyvol.messages.event.RequestOptions;
import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.ResultCodec;
import dev.tinyvol.messages.event.ResultError;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.messages.event.VolumeSummary;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Issue 20 item 2: results bounded when built, fitted to the record limit when sent, or answered RESULT_TOO_LARGE. */
class ResultFitterTest {

    static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");

    static ResultBuilder builder(Action action) {
        return ResultBuilder.of(new Request(1, "r-1", null, action, "node-1", null, null, null, RequestOptions.DEFAULTS, null),
                "node-1", NOW);
    }

    static VolumeSummary volume(int i) {
        return new VolumeSummary(String.format("vol-%05d", i), "app", "sha256:" + "a".repeat(64), 1, 9, NOW, "hardlink", "detect");
    }

    @Test
    void aPurgeOfManyVolumesFailingOnManyIsBoundedAndFitsOneMegabyte() {
        ResultBuilder b = builder(Action.PURGE);
        for (int i = 0; i < 20_000; i++) {
            b.volumes.add(volume(i));
        }
        for (int i = 0; i < 300; i++) {
            b.fail(new ResultError("VOLUME_LOCKED", "vol-" + i, "x".repeat(5000)));
        }
        for (int i = 0; i < 5000; i++) {
            b.warnings.add("skipped something " + i);
        }
        Result built = b.build(1, 10, NOW);
        assertEquals(ResultBuilder.MAX_WARNINGS, built.warnings().size());
        assertEquals(5000, built.warningsTotal());
        assertEquals(ResultBuilder.MAX_ERRORS, built.errors().size());
        assertEquals(300, built.errorsTotal());
        assertTrue(built.errors().get(0).message().length() <= ResultBuilder.MAX_TEXT);
        assertEquals(RequestOptions.MAX_LIMIT, built.volumes().size());
        assertEquals(20_000, built.volumesTotal());
        assertTrue(built.truncated());

        ResultFitter.Fitted fitted = ResultFitter.fit(built, 1_048_576 - 1024);
        assertNotNull(fitted);
        assertTrue(fitted.json().length <= 1_048_576 - 1024, fitted.json().length + " bytes");
        assertEquals(Status.FAILED, fitted.result().status());
        assertTrue(fitted.result().errors().size() >= 1, "a failed result keeps its first error");
        assertEquals(20_000, fitted.result().volumesTotal(), "the totals stay whole");
        assertEquals(300, fitted.result().errorsTotal());
        assertNull(fitted.result().nextPage(), "a PURGE has no pages");
        assertEquals(fitted.result(), ResultCodec.decode(fitted.json()));
    }

    @Test
    void aListPageCutToFitGoesOnAfterItsLastVolume() {
        ResultBuilder b = builder(Action.LIST);
        for (int i = 0; i < 1000; i++) {
            b.volumes.add(volume(i));
        }
        b.volumesTotal = 5000;
        b.nextPage = "vol-00999";
        Result page = b.build(1, 1, NOW);
        assertTrue(!page.truncated(), "a whole page is not truncated");
        ResultFitter.Fitted fitted = ResultFitter.fit(page, 30_000);
        assertTrue(fitted.json().length <= 30_000);
        int kept = fitted.result().volumes().size();
        assertTrue(kept > 0 && kept < 1000, kept + " volumes");
        assertEquals(fitted.result().volumes().get(kept - 1).volume(), fitted.result().nextPage());
        assertTrue(fitted.result().truncated());
        assertEquals(5000, fitted.result().volumesTotal());
    }

    @Test
    void aResultThatCannotFitIsAnsweredResultTooLargeInASmallRecord() {
        ResultBuilder b = builder(Action.LIST);
        b.volumes.add(volume(1));
        Result page = b.build(1, 1, NOW);
        assertNull(ResultFitter.fit(page, 300), "one volume does not fit 300 bytes, and a page cannot hold less");
        Result small = ResultBuilder.tooLarge(page, "it is larger than one record may be");
        assertEquals(Status.FAILED, small.status());
        assertEquals("RESULT_TOO_LARGE", small.errors().get(0).code());
        assertTrue(small.volumes().isEmpty() && small.warnings().isEmpty());
        assertEquals(1, small.volumesTotal(), "the figures of the work stay");
        assertTrue(ResultCodec.encode(small).length < 2_000);
    }
}
