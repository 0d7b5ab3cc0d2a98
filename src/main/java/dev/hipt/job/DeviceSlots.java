package dev.hipt.job;

import java.util.Arrays;

/**
 * Which device an analysis encodes on when {@code hipt.model.devices} lists several: the one with the fewest running
 * analyses (the lowest index on a tie). With {@code hipt.job.workers-per-device} workers per device, every device
 * thus runs that many analyses at once.
 */
final class DeviceSlots {

    private int[] running = new int[1];

    /** Takes the least busy of {@code devices} devices for one analysis; give it back with {@link #give}. */
    synchronized int take(int devices) {
        if (devices < 1) {
            throw new IllegalArgumentException("devices must be at least 1, got " + devices);
        }
        if (running.length < devices) {
            running = Arrays.copyOf(running, devices);
        }
        int best = 0;
        for (int i = 1; i < devices; i++) {
            if (running[i] < running[best]) {
                best = i;
            }
        }
        running[best]++;
        return best;
    }

    /** The analysis on {@code device} has ended. */
    synchronized void give(int device) {
        if (device < 0 || device >= running.length || running[device] == 0) {
            throw new IllegalStateException("device " + device + " was not taken");
        }
        running[device]--;
    }
}
