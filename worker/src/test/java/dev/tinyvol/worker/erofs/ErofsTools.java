package dev.tinyvol.worker.erofs;

import dev.tinyvol.worker.testing.Mount;
import java.io.IOException;
import java.nio.file.Path;

/** erofs-utils, run on images the tests write: an independent reader of the format. */
final class ErofsTools {

    private ErofsTools() {
    }

    /** {@code fsck.erofs IMAGE}: fails the test (IOException) unless the image is clean. */
    static String fsck(Path image) throws IOException {
        return Mount.run("fsck.erofs", image.toString());
    }

    static String dump(Path image, String... options) throws IOException {
        String[] command = new String[options.length + 2];
        command[0] = "dump.erofs";
        System.arraycopy(options, 0, command, 1, options.length);
        command[command.length - 1] = image.toString();
        return Mount.run(command);
    }
}
