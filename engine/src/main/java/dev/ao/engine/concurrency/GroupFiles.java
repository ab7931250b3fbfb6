package dev.ao.engine.concurrency;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.FileLockInterruptionException;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One group folder as this JVM uses it. {@link FileChannel#lock} takes a POSIX record lock, which belongs to the
 * process: closing ANY descriptor of the file in the process drops all its locks on it. So a lock file this JVM holds
 * is opened once, kept in {@link #held} and never opened again (not even to read it) until it is let go; and all of
 * this is touched only inside {@link #section}, which holds the in-JVM lock first (threads: a workflow's jobs) and
 * then the lock on {@code group.lock} that excludes every other ao process on the machine.
 */
final class GroupFiles {
    static final String MUTEX = "group.lock";
    private static final ConcurrentHashMap<Path, GroupFiles> BY_DIR = new ConcurrentHashMap<>();

    final Path dir;
    private final ReentrantLock jvm = new ReentrantLock(true);
    private final Object changed = new Object();
    /** The one channel on group.lock in this JVM; reopened when an interrupt closed it. Guarded by {@link #jvm}. */
    private FileChannel mutex;
    /** Lock files this JVM holds, by file name. Guarded by {@link #jvm}. */
    private final Map<String, Held> held = new HashMap<>();

    private record Held(FileChannel channel, FileLock lock, byte[] content) {}

    private GroupFiles(Path dir) {
        this.dir = dir;
    }

    /** The one instance for a group folder; {@code realDir} must be the folder's real path so that links cannot alias it. */
    static GroupFiles of(Path realDir) {
        return BY_DIR.computeIfAbsent(realDir, GroupFiles::new);
    }

    interface Body<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code body} holding the group's lock against this JVM's other threads and every other process. An
     * interruptible section gives up with InterruptedException; the other kind (letting go of a slot or a ticket) runs
     * to the end even on an interrupted thread, and leaves the interrupt for the caller.
     */
    <T> T section(Body<T> body, boolean interruptible) throws IOException, InterruptedException {
        if (interruptible) jvm.lockInterruptibly(); else jvm.lock();
        // an interrupt would close the channel under the lock (and drop the lock with it): hold it back meanwhile
        boolean interrupted = !interruptible && Thread.interrupted();
        try {
            FileLock lock = lockMutex();
            try {
                return body.run();
            } catch (ClosedByInterruptException e) {
                Thread.interrupted();
                throw new InterruptedException("interrupted while using " + dir);
            } finally {
                try {
                    lock.release();
                } catch (ClosedChannelException closed) {
                    // an interrupt closed the channel, which let go of the lock
                }
                // a group nobody here holds or waits for keeps no descriptor open (templated names make many groups)
                if (held.isEmpty()) {
                    mutex.close();
                    mutex = null;
                }
            }
        } finally {
            jvm.unlock();
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    private FileLock lockMutex() throws IOException, InterruptedException {
        for (int attempt = 0; ; attempt++) {
            if (mutex == null || !mutex.isOpen()) {
                mutex = FileChannel.open(dir.resolve(MUTEX), StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            }
            try {
                return mutex.lock();
            } catch (FileLockInterruptionException | ClosedByInterruptException e) {
                Thread.interrupted();
                throw new InterruptedException("interrupted while waiting for " + dir.resolve(MUTEX));
            } catch (ClosedChannelException e) {
                // closed by another thread's interrupt between our check and lock(): open it again
                if (attempt > 3) throw e;
            }
        }
    }

    /** Wakes this JVM's waiters: a slot or a place in line was let go. */
    void signal() {
        synchronized (changed) {
            changed.notifyAll();
        }
    }

    /** Waits for {@link #signal} from this JVM, or {@code ms} (other processes are only seen by looking again). */
    void await(long ms) throws InterruptedException {
        synchronized (changed) {
            changed.wait(ms);
        }
    }

    // everything below runs inside section()

    boolean ours(String name) {
        return held.containsKey(name);
    }

    /** Whether anyone, this JVM or another process, holds the lock on {@code name}; never disturbs a lock of ours. */
    boolean locked(String name) throws IOException {
        if (held.containsKey(name)) return true;
        try (FileChannel ch = FileChannel.open(dir.resolve(name), StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            FileLock l = ch.tryLock();
            if (l == null) return true;
            l.release();
            return false;
        } catch (NoSuchFileException gone) {
            return false;
        } catch (OverlappingFileLockException ours) {
            return true;
        }
    }

    /**
     * Takes the lock on {@code name} and keeps it (with {@code content} written into the file when not null).
     * False if someone else holds it, or, with {@code createNew}, if the file exists.
     */
    boolean hold(String name, boolean createNew, byte[] content) throws IOException {
        if (held.containsKey(name)) return false;
        Path f = dir.resolve(name);
        FileChannel ch;
        try {
            // a lock file is never a link: what is locked is the file in the group's folder
            ch = createNew ? FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)
                    : FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        } catch (FileAlreadyExistsException e) {
            return false;
        }
        try {
            FileLock l = ch.tryLock();
            if (l == null) {
                ch.close();
                return false;
            }
            if (content != null) {
                ch.truncate(0);
                ByteBuffer b = ByteBuffer.wrap(content);
                while (b.hasRemaining()) ch.write(b, b.position());
            }
            held.put(name, new Held(ch, l, content));
            return true;
        } catch (IOException | RuntimeException e) {
            ch.close();
            if (createNew) Files.deleteIfExists(f);
            throw e;
        }
    }

    /** Lets go of a lock of ours, removing the file first when {@code delete} (so nobody takes a file on its way out). */
    void drop(String name, boolean delete) throws IOException {
        Held h = held.remove(name);
        if (h == null) return;
        try {
            if (delete) Files.deleteIfExists(dir.resolve(name));
        } finally {
            // closing the only descriptor of the file in this JVM lets go of the lock
            h.channel().close();
        }
    }

    /** What a lock file holds: ours from memory (opening it again would drop our lock), another's from the file. */
    byte[] content(String name) throws IOException {
        Held h = held.get(name);
        if (h != null) return h.content() == null ? new byte[0] : h.content();
        try {
            return Files.readAllBytes(dir.resolve(name));
        } catch (NoSuchFileException gone) {
            return new byte[0];
        }
    }

    /** Drops a lock of ours without the group's lock: the last resort of a release whose section failed. */
    void dropUnlocked(String name) {
        jvm.lock();
        try {
            drop(name, false);
        } catch (IOException ignored) {
            // the channel is closed either way
        } finally {
            jvm.unlock();
        }
    }
}
