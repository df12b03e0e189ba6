package dev.tinyvol.messages;

import java.util.regex.Pattern;

/**
 * Volume names and stored manifest (ref) names: {@code [A-Za-z0-9][A-Za-z0-9._-]{0,127}}. The
 * pattern keeps a name one path segment that can never be {@code .}, {@code ..} or hidden.
 */
public final class Names {

    public static final int MAX_LENGTH = 128;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private Names() {
    }

    public static boolean isValid(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /** Why {@code name} is not a valid volume or ref name, or null if it is. */
    public static String problemWith(String name) {
        if (name == null || name.isEmpty()) {
            return "is empty";
        }
        if (name.length() > MAX_LENGTH) {
            return "is " + name.length() + " characters long; at most " + MAX_LENGTH + " are allowed";
        }
        if (!isValid(name)) {
            String shown = name.length() > 40 ? name.substring(0, 40) + "…" : name;
            return "\"" + shown.replace("\0", "\\0") + "\" must start with a letter or digit and hold only letters, digits, '.', '_' and '-'";
        }
        return null;
    }
}
