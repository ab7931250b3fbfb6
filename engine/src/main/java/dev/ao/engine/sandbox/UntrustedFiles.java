package dev.ao.engine.sandbox;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The one way ao reads a file a run could have written ({@code $AO_SUMMARY}, {@code $AO_OUTPUT}, workspace files
 * it reports or keeps). Such a file is hostile input: a script can replace it with a link to {@code ~/.ssh/id_rsa}
 * or {@code /proc/self/environ} (ao's own environment), a FIFO that blocks ao forever, a hard link to a host file,
 * or a file of many gigabytes. So: never follow a link (O_NOFOLLOW, the check done on the entry itself), regular
 * files with one link only, and never more than {@code max} bytes.
 */
public final class UntrustedFiles {
    private UntrustedFiles() {}

    /** Why {@code file} may not be read, or empty when it is a plain file of the run's own. */
    public static Optional<String> refusal(Path file) {
        try {
            Map<String, Object> a = Files.readAttributes(file, "unix:mode,nlink", LinkOption.NOFOLLOW_LINKS);
            int type = (Integer) a.get("mode") & 0170000;
            if (type == 0120000) return Optional.of(file + " is a symbolic link; ao does not follow links a run made");
            if (type != 0100000) return Optional.of(file + " is not a regular file");
            if ((Integer) a.get("nlink") > 1) return Optional.of(file + " has other hard links; ao reads only files the run made");
            return Optional.empty();
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.of(file + " does not exist");
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.of(file + ": " + e.getMessage());
        }
    }

    /** At most {@code max} bytes from the start of {@code file}; empty if it is missing or refused. */
    public static Optional<byte[]> readHead(Path file, int max) {
        if (refusal(file).isPresent()) return Optional.empty();
        try (FileChannel ch = FileChannel.open(file, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(max, Math.max(0, ch.size())));
            while (buf.hasRemaining() && ch.read(buf) > 0) {
                // read until full or end of file
            }
            byte[] out = new byte[buf.position()];
            buf.flip().get(out);
            return Optional.of(out);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The size of a plain file, or -1 if it is missing or refused. */
    public static long size(Path file) {
        if (refusal(file).isPresent()) return -1;
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;
        }
    }
}
