package dev.ao.engine.run;

/** What a front end hears while a run goes: state changes and warnings it should show the person. */
public interface RunListener {
    default void state(RunRecord run) {}

    default void warning(String message) {}

    RunListener NONE = new RunListener() {};
}
