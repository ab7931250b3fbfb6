package dev.ao.engine.sandbox;

/** Resource limits for one run; -1 means unlimited. */
public record Limits(int maxProcesses, long maxFileSize, long maxMemory) {}
