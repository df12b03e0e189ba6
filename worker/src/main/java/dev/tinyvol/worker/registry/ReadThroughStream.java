package dev.tinyvol.worker.registry;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A filter whose single-byte reads and skips go through {@link #read(byte[], int, int)}, so a
 * subclass that counts, limits or checks what passes sees every byte, skipped ones included (a tar
 * reader skips the data of entries it does not want: those bytes still arrived and still count).
 */
abstract class ReadThroughStream extends FilterInputStream {

    ReadThroughStream(InputStream in) {
        super(in);
    }

    @Override
    public final int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public final long skip(long n) throws IOException {
        byte[] scratch = new byte[(int) Math.min(8192, Math.max(1, n))];
        long done = 0;
        while (done < n) {
            int r = read(scratch, 0, (int) Math.min(scratch.length, n - done));
            if (r < 0) {
                break;
            }
            done += r;
        }
        return done;
    }
}
