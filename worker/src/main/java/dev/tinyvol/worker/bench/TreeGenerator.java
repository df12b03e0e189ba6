package dev.tinyvol.worker.bench;

import dev.tinyvol.worker.posix.PosixFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes a synthetic tree shaped like a fleet's root filesystems: many small files over thousands of
 * directories, a share of them with the same content (as shared libraries and configs are), some
 * executables and symlinks. The same parameters and seed give the same tree.
 *
 * @param files       regular files
 * @param dirs        directories, at depths 1 to {@code maxDepth}
 * @param maxDepth    deepest directory level; files go at depth 2 or deeper
 * @param duplicates  share of files whose content repeats an earlier file's (0..1)
 * @param minBytes    smallest file
 * @param maxBytes    largest file
 * @param executables share of files with mode 0755 (the rest 0644)
 * @param symlinks    symlinks to files of the tree, relative and absolute
 */
public record TreeGenerator(int files, int dirs, int maxDepth, double duplicates, int minBytes, int maxBytes,
                            double executables, int symlinks, long seed) {

    /** The benchmark tree of the foundation issue: 100,000 files of 1-16 KiB over 5,000 dirs, 30% duplicates. */
    public static TreeGenerator benchmark(int files) {
        return new TreeGenerator(files, Math.max(20, files / 20), 6, 0.30, 1024, 16 * 1024, 0.05, 0, 42);
    }

    /** What was written. */
    public record Written(long files, long dirs, long symlinks, long bytes) {
    }

    public Written write(Path root) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String> dirPaths = new ArrayList<>();
        List<Integer> depths = new ArrayList<>();
        int topLevel = Math.min(dirs, 20);
        try {
            Files.createDirectories(root);
            for (int i = 0; i < dirs; i++) {
                String path;
                int depth;
                if (i < topLevel) {
                    path = String.format("d%02d", i);
                    depth = 1;
                } else {
                    int parent;
                    do {
                        parent = random.nextInt(dirPaths.size());
                    } while (depths.get(parent) >= maxDepth);
                    path = dirPaths.get(parent) + "/s" + i;
                    depth = depths.get(parent) + 1;
                }
                Files.createDirectory(root.resolve(path));
                dirPaths.add(path);
                depths.add(depth);
            }
            List<String> deep = new ArrayList<>();
            for (int i = 0; i < dirPaths.size(); i++) {
                if (depths.get(i) >= 2) {
                    deep.add(dirPaths.get(i));
                }
            }
            if (deep.isEmpty()) {
                deep.addAll(dirPaths);
            }
            List<long[]> contents = new ArrayList<>(); // {seed, size} of each distinct content
            List<String> filePaths = new ArrayList<>(files);
            long bytes = 0;
            for (int i = 0; i < files; i++) {
                long[] content;
                if (!contents.isEmpty() && random.nextDouble() < duplicates) {
                    content = contents.get(random.nextInt(contents.size()));
                } else {
                    content = new long[] {random.nextLong(), minBytes + random.nextInt(maxBytes - minBytes + 1)};
                    contents.add(content);
                }
                String path = deep.get(random.nextInt(deep.size())) + "/f" + i + (i % 7 == 0 ? ".so" : ".txt");
                Path file = root.resolve(path);
                Files.write(file, bytesOf(content));
                PosixFiles.chmod(file, random.nextDouble() < executables ? 0755 : 0644);
                filePaths.add(path);
                bytes += content[1];
            }
            for (int i = 0; i < symlinks && !filePaths.isEmpty(); i++) {
                String target = filePaths.get(random.nextInt(filePaths.size()));
                String link = deep.get(random.nextInt(deep.size())) + "/link" + i;
                Path linkPath = root.resolve(link);
                // Half point inside the tree by a relative path, half by an absolute path as a root filesystem would.
                String targetText = i % 2 == 0 ? "../".repeat(link.split("/").length - 1) + target : "/" + target;
                Files.createSymbolicLink(linkPath, Path.of(targetText));
            }
            return new Written(files, dirs, symlinks, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the generated tree under " + root, e);
        }
    }

    private static byte[] bytesOf(long[] content) {
        byte[] data = new byte[(int) content[1]];
        new SplittableRandom(content[0]).nextBytes(data);
        return data;
    }
}
