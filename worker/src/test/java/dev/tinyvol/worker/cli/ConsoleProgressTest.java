package dev.tinyvol.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the progress bar says, and how it behaves on a terminal and in a log. */
class ConsoleProgressTest {

    @Test
    void theBarShowsDoneTotalPercentRateEtaAndElapsed() {
        assertEquals("linking [##########..............]  45,568/100,000  45%  52,310/s  ETA 1s  elapsed 1s",
                ConsoleProgress.render("linking", 45_568, 100_000, 52_310, 1, ""));
    }

    @Test
    void nothingMovingIsAnUnknownEtaNotZero() {
        // A fleet waiting on a silent node: no made-up "ETA 0s".
        assertEquals("nodes [############............]  1/2  50%  0/s  ETA ?  elapsed 3m05s  1 succeeded, 0 failed, 1 pending",
                ConsoleProgress.render("nodes", 1, 2, 0, 185, "1 succeeded, 0 failed, 1 pending"));
    }

    @Test
    void unknownTotalsShowTheCountAndRateOnly() {
        assertEquals("scanning  1,200  600/s  elapsed 2s", ConsoleProgress.render("scanning", 1200, -1, 600, 2, ""));
    }

    @Test
    void withoutATerminalItWritesWholeLinesAndEndsWithTheFinalFigures() throws Exception {
        StringWriter text = new StringWriter();
        try (ConsoleProgress progress = new ConsoleProgress(new PrintWriter(text), true, false, 50)) {
            progress.update("hashing", 10, 40);
            while (text.toString().isEmpty()) {
                Thread.sleep(10); // until the first period has passed and a line is written
            }
            synchronized (progress) {
                progress.update("hashing", 40, 40);
                text.getBuffer().setLength(text.getBuffer().indexOf("\n") + 1); // only the first tick's line
            }
        }
        List<String> lines = text.toString().lines().toList();
        assertTrue(lines.size() >= 2, text.toString());
        assertTrue(lines.get(0).startsWith("hashing [######..................]  10/40  25%"), lines.get(0));
        String last = lines.get(lines.size() - 1);
        assertTrue(last.startsWith("hashing [########################]  40/40  100%"), last);
        assertTrue(!text.toString().contains("\r"), "no carriage returns in a log");
    }

    @Test
    void workThatEndsSoonShowsNothing() {
        StringWriter text = new StringWriter();
        // Ends before the first period (200 ms on a terminal; a minute here, so a slow machine cannot flake it).
        try (ConsoleProgress progress = new ConsoleProgress(new PrintWriter(text), true, true, 60_000)) {
            progress.update("linking", 5, 10);
        }
        assertEquals("", text.toString());
    }
}
