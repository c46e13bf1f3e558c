package dev.sandboxd.pod;

public record EnvVar(String name, String value) {}
