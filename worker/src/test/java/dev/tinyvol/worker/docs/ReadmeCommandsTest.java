package dev.tinyvol.worker.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinyvol.worker.cli.TinyVolCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Keeps README.md and docs/*.md honest: every {@code tinyvol} command in a {@code ```sh} block
 * parses with the real command line (a command or option that no longer exists, or a required option
 * left out, fails naming the file and line), and every relative link points to a file that exists.
 * Parsing is all it does: the commands need a CAS, a broker or root, and the tests of each command
 * run them for real.
 */
class ReadmeCommandsTest {

    /** A command in a shell line: bin/tinyvol, tinyvol, or the jar run directly (java -jar …/tinyvol-worker.jar). */
    private static final Pattern COMMAND = Pattern.compile("^(?:bin/tinyvol|tinyvol|(?:.*\\s)?java\\s(?:.*\\s)?-jar\\s+\\S*tinyvol-worker\\.jar)\\s+(.*)$");
    /** [text](target): a Markdown link; the target up to a space, a '#' or the closing parenthesis. */
    private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s#]*)(?:#[^)]*)?\\)");

    record Line(Path file, int number, String text) {
        String where() {
            return root().relativize(file) + ":" + number;
        }
    }

    @Test
    void everyTinyvolCommandInTheDocsParses() throws IOException {
        List<Line> commands = new ArrayList<>();
        for (Path doc : documents()) {
            for (Line line : shellLines(doc)) {
                for (String segment : line.text().split("&&|\\|\\||\\|")) {
                    Matcher m = COMMAND.matcher(segment.strip());
                    if (m.matches()) {
                        commands.add(new Line(doc, line.number(), m.group(1)));
                    }
                }
            }
        }
        assertTrue(commands.size() >= 10, "the docs show tinyvol commands in ```sh blocks: " + commands);
        List<String> failures = new ArrayList<>();
        for (Line command : commands) {
            String[] args = words(command.text()).toArray(String[]::new);
            try {
                TinyVolCli.commandLine(args).parseArgs(args);
            } catch (CommandLine.ParameterException e) {
                failures.add(command.where() + ": tinyvol " + command.text() + "\n    " + e.getMessage());
            }
        }
        assertEquals(List.of(), failures, "commands in the docs that tinyvol does not accept");
    }

    @Test
    void aCommandThatDoesNotExistIsCaught() {
        // The check above is only worth something if picocli refuses what it does not know.
        for (String wrong : List.of("assemble --cas c --volumes v --ref r --volume x --no-such-option",
                "cas ingest DIR --cas c --ref r --threads many", "assmeble --cas c", "list")) {
            String[] args = words(wrong).toArray(String[]::new);
            try {
                TinyVolCli.commandLine(args).parseArgs(args);
                throw new AssertionError("parsed, but should not: " + wrong);
            } catch (CommandLine.ParameterException expected) {
                // refused, as a mistyped line in the docs would be
            }
        }
    }

    @Test
    void everyRelativeLinkPointsToAFileThatExists() throws IOException {
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path doc : documents()) {
            List<String> lines = Files.readAllLines(doc);
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = LINK.matcher(lines.get(i));
                while (m.find()) {
                    String target = m.group(1);
                    if (target.isEmpty() || target.matches("^[a-z][a-z0-9+.-]*:.*")) {
                        continue; // a link within the page, or a URL
                    }
                    Path resolved = doc.getParent().resolve(target).normalize();
                    if (!resolved.startsWith(root())) {
                        // ../shared/DESIGN.md: the contract lives beside the checkout, not in it; check
                        // it where it is there (this machine), skip it in a clone that has none.
                        if (!Files.isDirectory(resolved.getParent())) {
                            continue;
                        }
                    }
                    checked++;
                    if (!Files.exists(resolved)) {
                        broken.add(new Line(doc, i + 1, target).where() + ": " + target);
                    }
                }
            }
        }
        assertTrue(checked >= 20, "the docs link to each other: " + checked);
        assertEquals(List.of(), broken, "links to files that do not exist");
    }

    /** README.md and every docs/*.md. */
    private static List<Path> documents() throws IOException {
        List<Path> docs = new ArrayList<>();
        docs.add(root().resolve("README.md"));
        try (Stream<Path> files = Files.list(root().resolve("docs"))) {
            files.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        return docs;
    }

    /** The lines of each ```sh block, a line continued with '\' joined to the next, comments dropped. */
    static List<Line> shellLines(Path doc) throws IOException {
        List<String> lines = Files.readAllLines(doc);
        List<Line> out = new ArrayList<>();
        boolean inSh = false;
        StringBuilder pending = null;
        int start = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.startsWith("```")) {
                inSh = !inSh && line.equals("```sh");
                continue;
            }
            if (!inSh) {
                continue;
            }
            String code = withoutComment(line);
            if (pending == null) {
                pending = new StringBuilder();
                start = i + 1;
            }
            if (code.endsWith("\\")) {
                pending.append(code, 0, code.length() - 1).append(' ');
                continue;
            }
            pending.append(code);
            out.add(new Line(doc, start, pending.toString().strip()));
            pending = null;
        }
        return out;
    }

    /** The line up to a '#' that starts a shell comment (outside quotes, at a word's start). */
    private static String withoutComment(String line) {
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                quote = c == quote ? 0 : quote;
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '#' && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
                return line.substring(0, i).strip();
            }
        }
        return line;
    }

    /** Shell words: blanks separate, single and double quotes group; placeholders stay as written (PORT, DIR). */
    static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                word = word == null ? new StringBuilder() : word;
            } else if (Character.isWhitespace(c)) {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
            } else {
                word = word == null ? new StringBuilder() : word;
                word.append(c);
            }
        }
        if (word != null) {
            words.add(word.toString());
        }
        return words.stream().map(w -> w.replace("PORT", "9092")).toList();
    }

    /** The checkout's top: the directory above this module that holds README.md and docs/. */
    private static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !(Files.isRegularFile(dir.resolve("README.md")) && Files.isDirectory(dir.resolve("docs")))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no README.md with docs/ above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
