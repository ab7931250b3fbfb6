package dev.ao.engine.config;

/** An effective value and where it came from: {@code default}, a file path with line, {@code env AO_X} or {@code flag}. */
public record ConfigValue(Object value, String origin) {}
