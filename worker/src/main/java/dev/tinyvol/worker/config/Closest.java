package dev.tinyvol.worker.config;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/** "Did you mean": the known words nearest a misspelt one, by edit distance (settings, commands). */
public final class Closest {

    private Closest() {
    }

    /** Up to {@code limit} of {@code known}, nearest first, that are close enough to be what was meant. */
    public static List<String> to(String word, Collection<String> known, int limit) {
        int allowed = Math.max(2, word.length() / 3);
        return known.stream().filter(k -> distance(word, k) <= allowed)
                .sorted(Comparator.comparingInt((String k) -> distance(word, k)).thenComparing(k -> k))
                .limit(limit).toList();
    }

    /** Levenshtein distance. */
    public static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
