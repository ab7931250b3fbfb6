package dev.ao.engine.k8s;

import dev.ao.engine.AoException;

import java.util.regex.Pattern;

/** Credentials pushed to the cluster: a Secret per name, labelled so that ao can list them without their values. */
public final class Credentials {
    public static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?");
    public static final String LABEL = "ao.dev/credential";

    private Credentials() {}

    public static String secretName(String name) {
        if (!NAME.matcher(name).matches()) {
            throw AoException.usage("credential '" + name + "': a name is 1-42 lowercase letters, digits and '-'");
        }
        return "ao-cred-" + name;
    }
}
