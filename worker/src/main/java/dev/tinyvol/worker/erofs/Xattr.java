package dev.tinyvol.worker.erofs;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One extended attribute as EROFS stores it: a prefix index ({@code trusted.} = 4), the rest of the
 * name, and the value. Its encoded form is a 4-byte header, name, value, padded to 4 bytes.
 */
record Xattr(int nameIndex, byte[] nameSuffix, byte[] value) {

    static Xattr trusted(String suffix, byte[] value) {
        return new Xattr(ErofsFormat.XATTR_INDEX_TRUSTED, suffix.getBytes(StandardCharsets.US_ASCII), value);
    }

    int encodedSize() {
        return ErofsFormat.align(ErofsFormat.XATTR_ENTRY_HEADER_SIZE + nameSuffix.length + value.length, 4);
    }

    void encode(ByteBuffer out) {
        int start = out.position();
        out.put((byte) nameSuffix.length);
        out.put((byte) nameIndex);
        out.putShort((short) value.length);
        out.put(nameSuffix);
        out.put(value);
        out.position(start + encodedSize());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Xattr x && x.nameIndex == nameIndex && Arrays.equals(x.nameSuffix, nameSuffix)
                && Arrays.equals(x.value, value);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * nameIndex + Arrays.hashCode(nameSuffix)) + Arrays.hashCode(value);
    }
}
