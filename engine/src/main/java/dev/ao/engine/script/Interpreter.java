package dev.ao.engine.script;

import dev.ao.engine.AoException;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** The command that runs a script file: from its shebang if it has one, else from its extension. */
public final class Interpreter {
    private static final Map<String, List<String>> BY_EXTENSION = Map.of(
            ".py", List.of("python3"),
            ".sh", List.of("bash"),
            ".js", List.of("node"));

    private Interpreter() {}

    public static List<String> command(Path script) {
        List<String> shebang = shebang(script);
        if (!shebang.isEmpty()) return shebang;
        String f = script.getFileName().toString();
        int dot = f.lastIndexOf('.');
        List<String> i = dot < 0 ? null : BY_EXTENSION.get(f.substring(dot));
        if (i == null) throw AoException.refused(script + ": no interpreter for this extension; add a shebang line (#!/usr/bin/env ...)");
        return i;
    }

    static List<String> shebang(Path script) {
        try (BufferedReader r = Files.newBufferedReader(script, StandardCharsets.UTF_8)) {
            String first = r.readLine();
            if (first == null || !first.startsWith("#!")) return List.of();
            return new ArrayList<>(Arrays.asList(first.substring(2).trim().split("\\s+")));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The binary a person would recognise: {@code python3} for {@code /usr/bin/env python3}. */
    public static String program(List<String> command) {
        String first = command.get(0);
        if (first.endsWith("/env") && command.size() > 1) {
            for (String a : command.subList(1, command.size())) if (!a.startsWith("-")) return a;
        }
        return first;
    }
}
