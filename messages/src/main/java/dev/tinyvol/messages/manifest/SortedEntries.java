package dev.tinyvol.messages.manifest;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Builds a TreeMap from entries in linear time: sort the list (TimSort is linear on the already
 * sorted manifests TinyVol writes), then hand it to TreeMap as a SortedMap, which TreeMap builds
 * from without a single comparison. Keys are unique (the JSON parser refuses duplicates).
 */
public final class SortedEntries<V> extends AbstractMap<String, V> implements SortedMap<String, V> {

    private final List<Map.Entry<String, V>> sorted;

    private SortedEntries(List<Map.Entry<String, V>> sorted) {
        this.sorted = sorted;
    }

    public static <V> TreeMap<String, V> toTreeMap(List<Map.Entry<String, V>> entries) {
        entries.sort(Map.Entry.comparingByKey());
        return new TreeMap<>(new SortedEntries<>(entries));
    }

    @Override
    public Set<Map.Entry<String, V>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Map.Entry<String, V>> iterator() {
                return sorted.iterator();
            }

            @Override
            public int size() {
                return sorted.size();
            }
        };
    }

    @Override
    public int size() {
        return sorted.size();
    }

    @Override
    public Comparator<? super String> comparator() {
        return null;
    }

    @Override
    public SortedMap<String, V> subMap(String fromKey, String toKey) {
        throw new UnsupportedOperationException("only read whole, by TreeMap's constructor");
    }

    @Override
    public SortedMap<String, V> headMap(String toKey) {
        throw new UnsupportedOperationException("only read whole, by TreeMap's constructor");
    }

    @Override
    public SortedMap<String, V> tailMap(String fromKey) {
        throw new UnsupportedOperationException("only read whole, by TreeMap's constructor");
    }

    @Override
    public String firstKey() {
        return sorted.get(0).getKey();
    }

    @Override
    public String lastKey() {
        return sorted.get(sorted.size() - 1).getKey();
    }
}
