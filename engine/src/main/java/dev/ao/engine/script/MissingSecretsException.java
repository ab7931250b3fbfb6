package dev.ao.engine.script;

import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;

import java.util.List;

/**
 * The only thing wrong with the parameters is that required secret ones were not given. A front end at a
 * terminal may ask for them without echo and try again; anywhere else it is the usual usage error.
 */
public final class MissingSecretsException extends AoException {
    private final List<String> names;

    public MissingSecretsException(String message, List<String> names) {
        super(ExitCode.USAGE, message);
        this.names = List.copyOf(names);
    }

    /** The secret parameters to ask for, in the order the validator reported them. */
    public List<String> names() {
        return names;
    }
}
