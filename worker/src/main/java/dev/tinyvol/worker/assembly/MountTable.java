package dev.tinyvol.worker.assembly;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The mount points the kernel reports in {@code /proc/self/mountinfo}. Comparing device numbers
 * during a walk is not enough: a bind mount of the same filesystem keeps its device number.
 */
public final class MountTable {

    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    private MountTable() {
    }

    /** Mount points at {@code dir} or below it ({@code dir} must be a real, absolute path). */
    public static List<String> mountsAtOrBelow(Path dir) throws IOException {
        String prefix = dir.toString();
        List<String> found = new ArrayList<>();
        for (String line : Files.readAllLines(MOUNTINFO, StandardCharsets.UTF_8)) {
            String[] fields = line.split(" ");
            if (fields.length < 5) {
                continue;
            }
            String mountPoint = unescape(fields[4]);
            if (mountPoint.equals(prefix) || mountPoint.startsWith(prefix + "/")) {
                found.add(mountPoint);
            }
        }
        return found;
    }

    /** mountinfo writes space, tab, newline and backslash as three-digit octal escapes. */
    static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()
                    && field.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
