package dev.ao.engine.sandbox;

/**
 * Resource limits for one run; -1 means unlimited.
 *
 * @param maxMemory bytes for the whole run (its cgroup), tmpfs pages in {@code /tmp} and {@code /dev/shm} included
 * @param maxDisk   bytes the run may add to its workspace, and the size of each of its tmpfs mounts
 */
public record Limits(int maxProcesses, long maxFileSize, long maxMemory, long maxDisk) {}
