package dev.ao.engine.run;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Map;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;

/** SQLite's native library is copied once into the user's cache, checked before every use, and only from a private folder. */
class SqliteLibraryTest {
    @Test
    void copiedOnceVerifiedAndReplacedWhenDamaged(@TempDir Path cache) throws Exception {
        Assumptions.assumeTrue(SqliteLibrary.platformFolder() != null, "a platform this cache does not cover");
        Map<String, String> env = Map.of("XDG_CACHE_HOME", cache.toString());
        Path lib = SqliteLibrary.cached(env);
        assertThat(lib).isNotNull().startsWith(cache.resolve("ao/sqlite")).hasFileName("libsqlitejdbc.so");
        // keyed by the driver's version and the library's CRC-32, which the copy matches
        byte[] bytes = Files.readAllBytes(lib);
        CRC32 crc = new CRC32();
        crc.update(bytes);
        assertThat(lib.getParent().getFileName().toString()).startsWith("3.").endsWith(String.format("-%08x", crc.getValue()));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(lib.getParent()))).isEqualTo("rwx------");
        try (var s = Files.list(lib.getParent())) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("libsqlitejdbc.so");   // no temporary left
        }

        // the next start uses the copy as it is
        FileTime old = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
        Files.setLastModifiedTime(lib, old);
        assertThat(SqliteLibrary.cached(env)).isEqualTo(lib);
        assertThat(Files.getLastModifiedTime(lib)).isEqualTo(old);

        // damaged (cut short, or same length but other bytes): written again from the jar
        Files.write(lib, java.util.Arrays.copyOf(bytes, 1000));
        assertThat(SqliteLibrary.cached(env)).isEqualTo(lib);
        assertThat(Files.readAllBytes(lib)).isEqualTo(bytes);
        byte[] flipped = bytes.clone();
        flipped[bytes.length / 2] ^= 1;
        Files.write(lib, flipped);
        SqliteLibrary.cached(env);
        assertThat(Files.readAllBytes(lib)).isEqualTo(bytes);
    }

    @Test
    void aFolderOthersCanWriteIsNotUsed(@TempDir Path cache) throws Exception {
        Assumptions.assumeTrue(SqliteLibrary.platformFolder() != null, "a platform this cache does not cover");
        Map<String, String> env = Map.of("XDG_CACHE_HOME", cache.toString());
        Path lib = SqliteLibrary.cached(env);
        Files.setPosixFilePermissions(lib.getParent(), PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThat(SqliteLibrary.cached(env)).isNull();
    }

    @Test
    void theIndexOpensWithTheCachedLibrary(@TempDir Path d) throws Exception {
        // what RunIndex does in every process: the driver loads the cached copy (or its own, where this cache does not apply)
        RunStore store = new RunStore(d.resolve("runs"));
        try (RunIndex index = RunIndex.open(store, w -> { })) {
            assertThat(index.query("SELECT sqlite_version() AS v").rows().get(0).get(0).toString()).startsWith("3.");
        }
        if (SqliteLibrary.platformFolder() != null && System.getProperty("org.sqlite.lib.path") != null) {
            assertThat(Path.of(System.getProperty("org.sqlite.lib.path")).resolve("libsqlitejdbc.so")).isRegularFile();
        }
    }
}
