package dev.tinyvol.worker.testing;

import dev.tinyvol.worker.assembly.VolumeLocks;
import dev.tinyvol.worker.assembly.VolumeStore;
import java.nio.file.Path;

/** Holds a volume's lock in another JVM (args: volumes dir, volume) until its stdin closes. */
public final class HoldVolumeLock {

    private HoldVolumeLock() {
    }

    public static void main(String[] args) throws Exception {
        VolumeStore store = VolumeStore.open(Path.of(args[0]));
        try (VolumeLocks.Held held = store.lock(args[1], () -> { })) {
            System.out.println("locked");
            System.out.flush();
            System.in.read();
        }
    }
}
