package dev.ao.engine.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ao.engine.AoException;
import dev.ao.engine.config.AoConfig;
import dev.ao.engine.script.SourceRef;
import dev.ao.engine.skill.SkillCatalog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Git sources of skills. The lock file {@code dotcodex/skills.lock} (committed with the project) pins each
 * source to a commit; clones live in {@code .ao/sources/<name>}.
 */
public final class SkillSources {
    public static final String LOCK = "skills.lock";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One pinned source as the lock file records it. */
    public record Pin(String name, String url, String ref, String commit) {}

    private final AoConfig config;

    public SkillSources(AoConfig config) {
        this.config = config;
    }

    public Path lockFile() {
        return config.baseDir().resolve("dotcodex").resolve(LOCK);
    }

    public Path clonesDir() {
        return config.stateDir().resolve("sources");
    }

    public List<Pin> pins() {
        Path f = lockFile();
        List<Pin> out = new ArrayList<>();
        if (!Files.isRegularFile(f)) return out;
        try {
            JsonNode root = JSON.readTree(f.toFile());
            for (JsonNode s : root.path("sources")) {
                out.add(new Pin(s.path("name").asText(), s.path("url").asText(), s.path("ref").asText(null), s.path("commit").asText()));
            }
        } catch (IOException e) {
            throw AoException.usage(f + ": not a valid lock file: " + e.getMessage());
        }
        return out;
    }

    /** Roots to scan for skills: each pinned source's clone, when it is there. */
    public List<SkillCatalog.Root> roots() {
        List<SkillCatalog.Root> out = new ArrayList<>();
        for (Pin p : pins()) {
            Path dir = clonesDir().resolve(p.name());
            if (Files.isDirectory(dir)) out.add(new SkillCatalog.Root(dir, new SourceRef(p.name(), p.url(), p.commit())));
        }
        return out;
    }

    /** The catalog ao uses: {@code [skills] paths} first, then git sources. */
    public static SkillCatalog catalog(AoConfig config) {
        List<SkillCatalog.Root> roots = new ArrayList<>();
        for (Path p : config.skillPaths()) roots.add(new SkillCatalog.Root(p, null));
        roots.addAll(new SkillSources(config).roots());
        return SkillCatalog.scan(roots);
    }
}
