package dev.tinyvol.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * The help of every command, as the kind of defect and not case by case: a one-line header for the
 * command list (never a description cut mid-sentence), descriptions written as whole paragraphs,
 * no picocli formatting warning, and options that mean something for the command they are on.
 */
class HelpTextTest {

    static Stream<CommandLine> commands() {
        List<CommandLine> all = new ArrayList<>();
        collect(TinyVolCli.commandLine(), all);
        return all.stream().filter(c -> !c.getCommandSpec().usageMessage().hidden());
    }

    private static void collect(CommandLine cli, List<CommandLine> into) {
        into.add(cli);
        cli.getSubcommands().values().stream().filter(c -> c.getParent() == cli).forEach(c -> collect(c, into));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commands")
    void helpIsWholeSentencesWithoutWarnings(CommandLine command) {
        var spec = command.getCommandSpec();
        String name = spec.qualifiedName();
        if (!name.equals("tinyvol") && !name.endsWith(" help")) {
            String[] header = spec.usageMessage().header();
            assertEquals(1, header.length, name + ": one header line for the command list");
            assertTrue(header[0].endsWith(".") && header[0].length() <= 70, name + ": header is one short sentence: " + header[0]);
        }
        for (String paragraph : spec.usageMessage().description()) {
            assertTrue(paragraph.isEmpty() || paragraph.matches("(?s).*[.:)](%n)?$"),
                    name + ": a description element is a whole paragraph, not a line cut mid-sentence: " + paragraph);
        }
        PrintStream saved = System.err;
        ByteArrayOutputStream warnings = new ByteArrayOutputStream();
        String usage;
        try {
            System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
            usage = command.getUsageMessage();
        } finally {
            System.setErr(saved);
        }
        assertEquals("", warnings.toString(StandardCharsets.UTF_8), name + ": picocli warned while formatting the help");
        assertFalse(usage.contains("%n") || usage.contains("${"), name + ": unformatted text in the help:\n" + usage);
    }

    @Test
    void listOffersOnlyWhatItUses() {
        String usage = CliTest.tinyvol("list", "--help").out();
        assertFalse(usage.contains("--threads"), usage);
        assertFalse(usage.contains("created if missing"), usage);
    }

    /** Issue 21, first hour item 13: synopses and help that said what is not so. */
    @Test
    void synopsesAndHelpSayWhatIsSo() {
        String refs = CliTest.tinyvol("cas", "refs", "--help").out();
        assertTrue(refs.contains("tinyvol cas refs --cas=DIR"), refs);
        String fleet = CliTest.tinyvol("fleet", "assemble", "--help").out();
        assertFalse(fleet.contains("[,N1"), fleet);
        for (String command : new String[] {"teardown", "verify", "purge"}) {
            String help = CliTest.tinyvol(command, "--help").out();
            assertFalse(help.contains("creates it"), command + ": " + help);
        }
        assertTrue(CliTest.tinyvol("worker", "--help").out().replaceAll("\\s+", " ").contains("purge and gc requests"));
    }

    /** Issue 21, first hour item 11: before, "Unmatched arguments" with no suggestion, and the top help with exit 0. */
    @Test
    void aMistypedCommandIsOneLineWithTheNearestCommandsHelpIncluded() {
        for (String[] args : new String[][] {{"assmeble", "--volume", "x"}, {"assmeble", "--help"}, {"assmeble"}}) {
            CliTest.Run run = CliTest.tinyvol((Object[]) args);
            assertEquals(TinyVolCli.USAGE, run.exit(), String.join(" ", args));
            assertEquals("tinyvol: 'assmeble' is not a command; did you mean 'assemble'? see 'tinyvol --help' for the list",
                    run.err().strip());
            assertEquals("", run.out());
        }
        CliTest.Run far = CliTest.tinyvol("frobnicate");
        assertEquals("tinyvol: 'frobnicate' is not a command; see 'tinyvol --help' for the list", far.err().strip());
    }

    @Test
    void noCommandListsTheCommandsThenSaysWhatIsMissing() {
        CliTest.Run run = CliTest.tinyvol();
        assertEquals(TinyVolCli.USAGE, run.exit());
        List<String> lines = run.err().lines().toList();
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("  assemble ")), run.err());
        assertTrue(lines.get(lines.size() - 1).startsWith("tinyvol: name a command (see the list above)"), run.err());
    }
}
