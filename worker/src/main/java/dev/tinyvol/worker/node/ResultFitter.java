package dev.tinyvol.worker.node;

import dev.tinyvol.messages.event.Action;
import dev.tinyvol.messages.event.Result;
import dev.tinyvol.messages.event.ResultCodec;
import dev.tinyvol.messages.event.Status;
import dev.tinyvol.messages.event.VerifySummary;
import java.util.List;

/**
 * Fits a result to the bytes one Kafka record may hold ({@code max.request.size} less the record's
 * key and headers). A result over it keeps the first entries of its lists (volumes, warnings,
 * errors, verify problems), cut in proportion until it fits, with {@code truncated} set and the
 * totals unchanged; a LIST page cut short says where the rest begins ({@code nextPage}). A result
 * that cannot fit even with its lists at their least is {@code null}: the caller answers
 * {@link ResultBuilder#tooLarge} instead.
 */
public final class ResultFitter {

    private ResultFitter() {
    }

    /** The JSON of {@code result} if it fits in {@code budget} bytes, cut to fit if need be; null if it cannot. */
    public static Fitted fit(Result result, int budget) {
        byte[] json = ResultCodec.encode(result);
        if (json.length <= budget) {
            return new Fitted(result, json);
        }
        Lists lists = new Lists(result);
        double keep = Math.max(0.0, (double) budget / json.length * 0.9);
        while (true) {
            if (!lists.shrink(keep)) {
                return null;
            }
            Result cut = lists.result();
            json = ResultCodec.encode(cut);
            if (json.length <= budget) {
                return new Fitted(cut, json);
            }
            keep = 0.5;
        }
    }

    /** A result that fits, and its JSON. */
    public record Fitted(Result result, byte[] json) {
    }

    /** The result's lists, shortened in steps; each keeps what a reader needs at least. */
    private static final class Lists {
        private final Result original;
        private int volumes;
        private int warnings;
        private int errors;
        private int problems;

        Lists(Result original) {
            this.original = original;
            this.volumes = original.volumes().size();
            this.warnings = original.warnings().size();
            this.errors = original.errors().size();
            this.problems = original.verify() == null ? 0 : original.verify().problems().size();
        }

        /** Keeps a fraction of each list; false when none can get shorter. */
        boolean shrink(double fraction) {
            // A failed result keeps one error (the schema asks for it); a LIST page keeps one volume,
            // or its nextPage could not move on.
            int leastErrors = original.status() == Status.SUCCEEDED ? 0 : Math.min(1, original.errors().size());
            int leastVolumes = original.action() == Action.LIST ? Math.min(1, original.volumes().size()) : 0;
            int v = shorter(volumes, fraction, leastVolumes);
            int w = shorter(warnings, fraction, 0);
            int e = shorter(errors, fraction, leastErrors);
            int p = shorter(problems, fraction, 0);
            boolean changed = v != volumes || w != warnings || e != errors || p != problems;
            volumes = v;
            warnings = w;
            errors = e;
            problems = p;
            return changed;
        }

        private static int shorter(int n, double fraction, int least) {
            return Math.max(least, Math.min(n - 1, (int) Math.floor(n * fraction)));
        }

        Result result() {
            Result o = original;
            VerifySummary verify = o.verify() == null ? null : new VerifySummary(o.verify().deep(), o.verify().verified(),
                    o.verify().mismatched(), o.verify().missing(), o.verify().extra(), o.verify().problems().subList(0, problems));
            List<dev.tinyvol.messages.event.VolumeSummary> page = o.volumes().subList(0, volumes);
            // A LIST page cut short goes on after its last volume; one left whole keeps its own nextPage.
            String nextPage = o.action() == Action.LIST && volumes < o.volumes().size() && volumes > 0
                    ? page.get(volumes - 1).volume() : o.nextPage();
            return new Result(o.schemaVersion(), o.requestId(), o.correlationId(), o.action(), o.node(), o.volume(),
                    o.status(), o.outcome(), o.targetDir(), o.filesLinked(), o.filesCopied(), o.symlinks(), o.dirsCreated(),
                    o.bytes(), o.durationMs(), o.attempts(), o.errors().subList(0, errors), o.warnings().subList(0, warnings),
                    o.startedAt(), o.finishedAt(), o.workerVersion(), page, verify, o.imageDigest(), o.pulledLayers(),
                    o.pulledBytes(), o.pullMs(), o.gc(), o.importMethod(), o.filesCloned(), o.protection(), true,
                    o.warningsTotal(), o.errorsTotal(), o.volumesTotal(), nextPage);
        }
    }
}
