package dev.hipt.model;

/** Where the model runs: {@code AUTO} takes a GPU when DJL sees one, else the CPU. */
public enum DevicePreference {
    AUTO, CPU, GPU
}
