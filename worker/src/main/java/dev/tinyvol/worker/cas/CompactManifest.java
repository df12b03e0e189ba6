package dev.tinyvol.worker.cas;

import dev.tinyvol.messages.manifest.DirEntry;
import dev.tinyvol.messages.manifest.FileEntry;
import dev.tinyvol.messages.manifest.Manifest;
import dev.tinyvol.messages.manifest.ManifestEntry;
import dev.tinyvol.messages.manifest.SortedEntries;
import dev.tinyvol.messages.manifest.SymlinkEntry;
import dev.tinyvol.worker.posix.Stat;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;

/**
 * A stored ref in a compact binary form beside its JSON ({@code refs/<name>.tvm}), so a short-lived
 * {@code tinyvol assemble} does not parse 12 MB of JSON for 100,000 entries nor hash it again for
 * its identity. It is a cache: the JSON stays the ref. It names the JSON file it was made from (inode,
 * size, mtime, ctime), so a JSON written by hand or by another tool since makes it stale and it is
 * ignored; a trailing sha256 of its own bytes catches a torn or damaged file. The decoded manifest is
 * still validated by {@link Manifest}'s constructor (cheap: the cost was the JSON).
 *
 * <p>Layout (big-endian): "TVMC", format 1; the JSON's ino, size, mtime (s, ns), ctime (s, ns); the
 * identity (32 bytes); manifest version; name (UTF-8, u16 length); entry count (u32); per entry in
 * path order: bytes shared with the previous path (u16), the rest (u16 length, bytes), kind (0 file,
 * 1 symlink, 2 directory), then digest (32 bytes) and mode (u16), or target (u16 length, bytes), or
 * mode; uid and gid (u32 each); and sha256 of everything before it.
 */
final class CompactManifest {

    private static final byte[] MAGIC = {'T', 'V', 'M', 'C'};
    private static final int FORMAT = 1;

    /** A decoded ref and its identity. */
    record Decoded(Manifest manifest, String identity) {
    }

    private CompactManifest() {
    }

    static byte[] encode(Manifest manifest, String identity, Stat json) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + manifest.entries().size() * 64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            out.writeByte(FORMAT);
            writeStamp(out, json);
            out.write(HexFormat.of().parseHex(identity));
            out.writeByte(manifest.version());
            writeBytes(out, manifest.name().getBytes(StandardCharsets.UTF_8));
            out.writeInt(manifest.entries().size());
            byte[] previous = new byte[0];
            for (Map.Entry<String, ManifestEntry> e : manifest.entries().entrySet()) {
                byte[] path = e.getKey().getBytes(StandardCharsets.UTF_8);
                int shared = Math.min(Arrays.mismatch(previous, path) < 0 ? path.length : Arrays.mismatch(previous, path),
                        Math.min(previous.length, path.length));
                out.writeShort(shared);
                out.writeShort(path.length - shared);
                out.write(path, shared, path.length - shared);
                previous = path;
                ManifestEntry entry = e.getValue();
                if (entry instanceof FileEntry f) {
                    out.writeByte(f.copy() ? 3 : 0); // 3: a file volumes get a copy of
                    out.write(HexFormat.of().parseHex(f.digest()));
                    out.writeShort(f.mode());
                } else if (entry instanceof SymlinkEntry s) {
                    out.writeByte(1);
                    writeBytes(out, s.target().getBytes(StandardCharsets.UTF_8));
                } else {
                    out.writeByte(2);
                    out.writeShort(((DirEntry) entry).mode());
                }
                out.writeInt((int) entry.uid());
                out.writeInt((int) entry.gid());
            }
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
        byte[] body = bytes.toByteArray();
        byte[] sum = Sha256.newDigest().digest(body);
        byte[] all = Arrays.copyOf(body, body.length + sum.length);
        System.arraycopy(sum, 0, all, body.length, sum.length);
        return all;
    }

    /** The decoded ref, or null when the bytes are not whole or were made from another JSON file. */
    static Decoded decode(byte[] all, Stat json) {
        if (all.length < 4 + 1 + 48 + 32 + 32 || !Arrays.equals(all, 0, 4, MAGIC, 0, 4) || all[4] != FORMAT) {
            return null;
        }
        MessageDigest sha = Sha256.newDigest();
        sha.update(all, 0, all.length - 32);
        if (!Arrays.equals(sha.digest(), 0, 32, all, all.length - 32, all.length)) {
            return null;
        }
        ByteBuffer in = ByteBuffer.wrap(all, 5, all.length - 5 - 32);
        if (!stampMatches(in, json)) {
            return null;
        }
        byte[] id = new byte[32];
        in.get(id);
        int version = in.get();
        String name = new String(readBytes(in), StandardCharsets.UTF_8);
        int count = in.getInt();
        java.util.List<Map.Entry<String, ManifestEntry>> entries = new java.util.ArrayList<>(count);
        byte[] path = new byte[8192];
        byte[] digest = new byte[32];
        HexFormat hex = HexFormat.of();
        for (int i = 0; i < count; i++) {
            int shared = Short.toUnsignedInt(in.getShort());
            int rest = Short.toUnsignedInt(in.getShort());
            in.get(path, shared, rest);
            String p = new String(path, 0, shared + rest, StandardCharsets.UTF_8);
            int kind = in.get();
            ManifestEntry entry;
            if (kind == 0 || kind == 3) {
                in.get(digest);
                int mode = Short.toUnsignedInt(in.getShort());
                entry = new FileEntry(hex.formatHex(digest), mode, Integer.toUnsignedLong(in.getInt()),
                        Integer.toUnsignedLong(in.getInt()), kind == 3);
            } else if (kind == 1) {
                String target = new String(readBytes(in), StandardCharsets.UTF_8);
                entry = new SymlinkEntry(target, Integer.toUnsignedLong(in.getInt()), Integer.toUnsignedLong(in.getInt()));
            } else {
                int mode = Short.toUnsignedInt(in.getShort());
                entry = new DirEntry(mode, Integer.toUnsignedLong(in.getInt()), Integer.toUnsignedLong(in.getInt()));
            }
            entries.add(Map.entry(p, entry));
        }
        return new Decoded(new Manifest(version, name, SortedEntries.toTreeMap(entries)), hex.formatHex(id));
    }

    private static void writeStamp(DataOutputStream out, Stat json) throws IOException {
        out.writeLong(json.inode());
        out.writeLong(json.size());
        out.writeLong(json.modified().toInstant().getEpochSecond());
        out.writeInt(json.modified().toInstant().getNano());
        out.writeLong(json.changed().toInstant().getEpochSecond());
        out.writeInt(json.changed().toInstant().getNano());
    }

    private static boolean stampMatches(ByteBuffer in, Stat json) {
        return in.getLong() == json.inode() & in.getLong() == json.size()
                & in.getLong() == json.modified().toInstant().getEpochSecond()
                & in.getInt() == json.modified().toInstant().getNano()
                & in.getLong() == json.changed().toInstant().getEpochSecond()
                & in.getInt() == json.changed().toInstant().getNano();
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeShort(b.length);
        out.write(b);
    }

    private static byte[] readBytes(ByteBuffer in) {
        byte[] b = new byte[Short.toUnsignedInt(in.getShort())];
        in.get(b);
        return b;
    }
}
