package dev.ao.engine.skill;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Ranks skills for a free-text query ("restart crashing pods"), best first. The query and every field are
 * tokenised (camelCase and punctuation split, light stemming: crashing -> crash, pods -> pod; compounds the library
 * spells both ways split: crashloop -> crash loop), then scored with BM25 per field (name and id over tags over
 * description over body, each length-normalised, rare words counting more) and summed. A query term also matches,
 * at a discount, a longer word it starts, and a skill matching every query word beats one matching a few.
 */
public final class SkillSearch {
    /** A skill and how well it matched; {@code matched} lists the query terms it contains. */
    public record Hit(Skill skill, double score, List<String> matched) {}

    private enum Field {
        NAME(4.0, 0.3), TAGS(3.0, 0.3), DESCRIPTION(2.0, 0.5), BODY(1.0, 0.75);

        final double weight;
        final double b;

        Field(double weight, double b) {
            this.weight = weight;
            this.b = b;
        }
    }

    private static final double K1 = 1.2;
    private static final double PREFIX_DISCOUNT = 0.5;
    private static final Set<String> STOP = Set.of("a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "with",
            "by", "at", "from", "is", "are", "be", "it", "its", "this", "that", "as", "i", "me", "my", "we", "our", "you",
            "your", "how", "do", "does", "what", "which", "when", "can", "all", "any", "some", "into", "if", "not", "no",
            "so", "use", "using", "want", "need", "please", "should", "will", "would");
    /** Words that name the same thing; the query side is expanded with them. */
    private static final Map<String, List<String>> ALIASES = Map.of(
            "k8s", List.of("kubernet"),
            "kubernet", List.of("k8s"),
            "kube", List.of("kubernet", "k8s"),
            "kubectl", List.of("kubernet"),
            "restart", List.of("rollout"),
            "crashloopbackoff", List.of("crash", "crashloop"));

    private final List<Skill> skills;
    private final List<Map<Field, Map<String, Integer>>> docs = new ArrayList<>();
    private final List<Map<Field, Integer>> lengths = new ArrayList<>();
    private final Map<Field, Double> avgLength = new HashMap<>();
    private final Map<Field, Map<String, Integer>> docFreq = new HashMap<>();

    public SkillSearch(List<Skill> skills) {
        this.skills = List.copyOf(skills);
        List<Map<Field, List<String>>> tokenized = new ArrayList<>();
        Set<String> vocabulary = new java.util.HashSet<>();
        for (Skill s : this.skills) {
            Map<Field, List<String>> fields = new HashMap<>();
            fields.put(Field.NAME, tokens(s.id() + " " + s.name()));
            fields.put(Field.TAGS, tokens(String.join(" ", s.tags())));
            Object intent = s.frontMatter().get("intent");
            fields.put(Field.DESCRIPTION, tokens(s.description() + (intent instanceof String i && !i.equals(s.description()) ? " " + i : "")));
            fields.put(Field.BODY, tokens(s.body()));
            fields.values().forEach(vocabulary::addAll);
            tokenized.add(fields);
        }
        for (Field f : Field.values()) docFreq.put(f, new HashMap<>());
        for (Map<Field, List<String>> fields : tokenized) {
            Map<Field, Map<String, Integer>> tfs = new HashMap<>();
            Map<Field, Integer> lens = new HashMap<>();
            for (Field f : Field.values()) {
                List<String> toks = new ArrayList<>(fields.get(f));
                // "crashloop" also counts as "crash" and "loop" when the library uses both words
                for (String t : fields.get(f)) toks.addAll(decompound(t, vocabulary));
                Map<String, Integer> tf = new HashMap<>();
                for (String t : toks) tf.merge(t, 1, Integer::sum);
                tfs.put(f, tf);
                lens.put(f, toks.size());
                tf.keySet().forEach(t -> docFreq.get(f).merge(t, 1, Integer::sum));
            }
            docs.add(tfs);
            lengths.add(lens);
        }
        for (Field f : Field.values()) {
            avgLength.put(f, lengths.stream().mapToInt(l -> l.getOrDefault(f, 0)).average().orElse(1.0));
        }
    }

    /** The two known words a compound word is made of, or nothing. */
    static List<String> decompound(String word, Set<String> vocabulary) {
        if (word.length() < 7 || !word.chars().allMatch(Character::isLetter)) return List.of();
        for (int i = 3; i <= word.length() - 3; i++) {
            String a = word.substring(0, i);
            String b = word.substring(i);
            if (vocabulary.contains(a) && (vocabulary.contains(b) || vocabulary.contains(stem(b)))) {
                return List.of(a, vocabulary.contains(b) ? b : stem(b));
            }
        }
        return List.of();
    }

    /** The skills matching the query, best first; at most {@code limit} (0 = all). */
    public List<Hit> search(String query, int limit) {
        List<String> terms = new ArrayList<>(new LinkedHashSet<>(tokens(query)));
        if (terms.isEmpty()) return List.of();
        int n = skills.size();
        List<Hit> hits = new ArrayList<>();
        for (int d = 0; d < n; d++) {
            double score = 0;
            List<String> matched = new ArrayList<>();
            for (String q : terms) {
                double best = termScore(d, q, n);
                for (String alias : ALIASES.getOrDefault(q, List.of())) {
                    if (terms.contains(alias)) continue;
                    best = Math.max(best, 0.8 * termScore(d, alias, n));
                }
                if (best > 0) {
                    score += best;
                    matched.add(q);
                }
            }
            if (score <= 0) continue;
            // a skill that has every query word beats one that has one word many times
            score *= 0.4 + 0.6 * matched.size() / terms.size();
            hits.add(new Hit(skills.get(d), score, List.copyOf(matched)));
        }
        hits.sort(Comparator.comparingDouble(Hit::score).reversed().thenComparing(h -> h.skill().id()));
        return limit > 0 && hits.size() > limit ? List.copyOf(hits.subList(0, limit)) : List.copyOf(hits);
    }

    /**
     * BM25 per field, summed with the field weights: each field has its own term rarity, so a word every body
     * mentions in passing still counts fully where it names or tags a skill. Prefix matches count at a discount.
     */
    private double termScore(int d, String q, int n) {
        double sum = 0;
        for (Field f : Field.values()) {
            Map<String, Integer> tf = docs.get(d).get(f);
            double count = tf.getOrDefault(q, 0);
            int df = docFreq.get(f).getOrDefault(q, 0);
            if (count == 0 && q.length() >= 4) {
                for (Map.Entry<String, Integer> e : tf.entrySet()) {
                    if (e.getKey().length() > q.length() && e.getKey().startsWith(q)) count += PREFIX_DISCOUNT * e.getValue();
                }
                if (count > 0) df = Math.max(df, prefixDocFreq(f, q));
            }
            if (count == 0) continue;
            double len = lengths.get(d).getOrDefault(f, 0);
            double avg = Math.max(1.0, avgLength.get(f));
            double norm = count / (1 - f.b + f.b * len / avg);
            double idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
            sum += f.weight * idf * norm / (K1 + norm);
        }
        return sum;
    }

    private int prefixDocFreq(Field f, String q) {
        int df = 0;
        for (Map<Field, Map<String, Integer>> doc : docs) {
            for (String t : doc.get(f).keySet()) {
                if (t.startsWith(q)) {
                    df++;
                    break;
                }
            }
        }
        return df;
    }

    /** Lowercase words, split at punctuation and camelCase, stop words dropped, lightly stemmed. */
    public static List<String> tokens(String text) {
        List<String> out = new ArrayList<>();
        if (text == null) return out;
        String split = text.replaceAll("([a-z0-9])([A-Z])", "$1 $2").replaceAll("([A-Z]+)([A-Z][a-z])", "$1 $2");
        for (String raw : split.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
            if (raw.isEmpty() || STOP.contains(raw)) continue;
            String t = stem(raw);
            if (!t.isEmpty() && !STOP.contains(t)) out.add(t);
        }
        // CamelCase words are also kept whole, so "CrashLoopBackOff" matches as one word too
        for (String word : text.split("[^\\p{L}\\p{N}]+")) {
            if (word.length() > 3 && !word.equals(word.toLowerCase(Locale.ROOT)) && !word.equals(word.toUpperCase(Locale.ROOT))
                    && word.substring(1).chars().anyMatch(Character::isUpperCase)) {
                out.add(word.toLowerCase(Locale.ROOT));
            }
        }
        return out;
    }

    /**
     * A light suffix stripper (a few Porter step-1 rules): plurals, -ing, -ed, -ly, -ies. Good enough to meet
     * "crashing" with "crash" and "restarts" with "restart" without a dictionary.
     */
    public static String stem(String w) {
        if (w.length() <= 3 || !w.chars().allMatch(Character::isLetter)) return w;
        String s = w;
        if (s.endsWith("ies") && s.length() > 4) s = s.substring(0, s.length() - 3) + "y";
        else if (s.endsWith("sses")) s = s.substring(0, s.length() - 2);
        else if (s.endsWith("ss") || s.endsWith("us") || s.endsWith("is")) s = s; // class, status, analysis
        else if (s.endsWith("s")) s = s.substring(0, s.length() - 1);

        if (s.endsWith("ing") && s.length() > 5 && hasVowel(s.substring(0, s.length() - 3))) s = undouble(s.substring(0, s.length() - 3));
        else if (s.endsWith("ed") && s.length() > 4 && hasVowel(s.substring(0, s.length() - 2))) s = undouble(s.substring(0, s.length() - 2));
        else if (s.endsWith("ly") && s.length() > 5) s = s.substring(0, s.length() - 2);
        if (s.endsWith("e") && s.length() > 4 && !s.endsWith("ee")) s = s.substring(0, s.length() - 1);
        return s;
    }

    private static boolean hasVowel(String s) {
        for (char c : s.toCharArray()) if ("aeiouy".indexOf(c) >= 0) return true;
        return false;
    }

    /** running -> run, stopped -> stop; but not "fall" or "pass". */
    private static String undouble(String s) {
        int n = s.length();
        if (n >= 3 && s.charAt(n - 1) == s.charAt(n - 2) && "lsz".indexOf(s.charAt(n - 1)) < 0) return s.substring(0, n - 1);
        return s;
    }
}
