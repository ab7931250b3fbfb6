package dev.ao.engine.script;

/** Where a skill came from when it was pulled from git: the source's name, url and pinned commit. */
public record SourceRef(String name, String url, String commit) {}
