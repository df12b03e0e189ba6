package dev.tinyvol.worker.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;

/**
 * The offsets past a partition's committed offset whose results are already published, kept in the
 * committed offset's metadata ({@code tinyvol/1 answered=12-15,18}). A request that waits (a stalled
 * pull) then holds back no one: the results read after it are published in their own transactions,
 * each committing the offset of the first unanswered record plus this list, atomically with the
 * results. Whoever reads the partition next (this worker after a restart, or another after a
 * rebalance) starts at the committed offset and skips the listed records, so no result is published
 * twice (Decaton's out-of-order commit, made exactly-once by the transaction).
 *
 * <p>Kept short: brokers cap metadata at {@code offset.metadata.max.bytes} (4096 by default), so a
 * list that would pass {@link #MAX_LENGTH} characters is not made; those results wait for the head.
 */
final class AnsweredOffsets {

    static final String PREFIX = "tinyvol/1 answered=";
    /** Well under the broker's 4096 default, leaving room for a lower setting. */
    static final int MAX_LENGTH = 1000;

    private AnsweredOffsets() {
    }

    /** The metadata listing {@code offsets} (ascending), or "" for none. */
    static String encode(List<Long> offsets) {
        if (offsets.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder(PREFIX);
        int i = 0;
        while (i < offsets.size()) {
            long first = offsets.get(i);
            long last = first;
            while (i + 1 < offsets.size() && offsets.get(i + 1) == last + 1) {
                last = offsets.get(++i);
            }
            i++;
            if (b.length() > PREFIX.length()) {
                b.append(',');
            }
            b.append(first);
            if (last > first) {
                b.append('-').append(last);
            }
        }
        return b.toString();
    }

    /**
     * The answered offsets a commit lists, at or past its offset; empty for metadata of another form
     * (an older worker's, or none). Metadata that cannot be read is ignored: the records are then
     * executed again and answered from the answer store by requestId.
     */
    static NavigableSet<Long> decode(OffsetAndMetadata committed) {
        NavigableSet<Long> offsets = new TreeSet<>();
        if (committed == null || committed.metadata() == null || !committed.metadata().startsWith(PREFIX)) {
            return offsets;
        }
        try {
            for (String part : committed.metadata().substring(PREFIX.length()).split(",")) {
                int dash = part.indexOf('-');
                long first = Long.parseLong(dash < 0 ? part : part.substring(0, dash));
                long last = dash < 0 ? first : Long.parseLong(part.substring(dash + 1));
                if (last - first > 1_000_000) {
                    return new TreeSet<>(); // not written by us: more than anyone buffers
                }
                for (long o = Math.max(first, committed.offset()); o <= last; o++) {
                    offsets.add(o);
                }
            }
        } catch (NumberFormatException e) {
            return new TreeSet<>();
        }
        return offsets;
    }

    /** The offsets as a list, for {@link #encode}. */
    static List<Long> sorted(java.util.Collection<Long> offsets) {
        List<Long> list = new ArrayList<>(new TreeSet<>(offsets));
        return list;
    }
}
