package dev.ao.cli.shell;

import dev.ao.engine.sandbox.EnvPolicy;
import org.jline.reader.impl.DefaultParser;
import org.jline.reader.impl.history.DefaultHistory;

import java.time.Instant;
import java.util.List;

/**
 * The shell's history, kept in {@code <state>/shell_history}. A line that passes a secret-looking parameter
 * ({@code -p token=...}, {@code --param=api_key=...}) is not kept: history files get read, copied and synced.
 */
final class ShellHistory extends DefaultHistory {

    @Override
    public void add(Instant time, String line) {
        if (carriesSecret(line)) return;
        super.add(time, line);
    }

    static boolean carriesSecret(String line) {
        List<String> words;
        try {
            words = new DefaultParser().parse(line, line.length()).words();
        } catch (RuntimeException e) {
            return false;
        }
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            String param = null;
            if ((w.equals("-p") || w.equals("--param")) && i + 1 < words.size()) param = words.get(i + 1);
            else if (w.startsWith("--param=")) param = w.substring("--param=".length());
            else if (w.startsWith("-p") && !w.startsWith("--") && w.length() > 2) param = w.substring(2);
            if (param != null && param.indexOf('=') > 0 && EnvPolicy.looksSecret(param.substring(0, param.indexOf('=')))) return true;
        }
        return false;
    }
}
