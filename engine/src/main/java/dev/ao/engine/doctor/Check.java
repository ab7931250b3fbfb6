package dev.ao.engine.doctor;

import java.util.Locale;

/**
 * One line of {@code ao doctor}: what was checked, how it went, and in one sentence why and what to do.
 * {@link Status#FAIL} means something the configuration needs is broken; {@link Status#WARN} means it works,
 * with less than it could (a missing tool, a limit that is not enforced).
 */
public record Check(String name, Status status, String detail) {

    public enum Status {
        OK, WARN, FAIL;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static Check ok(String name, String detail) { return new Check(name, Status.OK, detail); }

    static Check warn(String name, String detail) { return new Check(name, Status.WARN, detail); }

    static Check fail(String name, String detail) { return new Check(name, Status.FAIL, detail); }
}
