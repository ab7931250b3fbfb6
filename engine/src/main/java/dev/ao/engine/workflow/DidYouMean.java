package dev.ao.engine.workflow;

import java.util.Collection;
import java.util.Locale;

/** The known name a misspelt one most likely meant: {@code neds} -> {@code needs}, {@code runs-on} -> {@code runs_on}. */
public final class DidYouMean {
    private DidYouMean() {}

    /** The closest of {@code known} within two edits (ignoring case, and '-' for '_'), or null. */
    public static String nearest(String name, Collection<String> known) {
        String n = normal(name);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(n, normal(k));
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return bestDistance <= Math.min(2, Math.max(1, n.length() / 3)) ? best : null;
    }

    private static String normal(String s) {
        return s.toLowerCase(Locale.ROOT).replace('-', '_');
    }

    /** Edits from {@code a} to {@code b}: insert, delete, replace, or swap two neighbours (wiht -> with is one). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(d[i - 1][j - 1] + cost, Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1));
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
