package dev.ao.engine.workflow;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * A string-keyed Java map as CEL reads it: a value is converted ({@link CelValues#toCel}) when it is first read, once
 * per evaluation. {@code params.namespace} then costs nothing for the large parameter next to it. Read-only.
 */
final class CelMapView extends AbstractMap<Object, Object> {

    private final Map<String, Object> source;
    private Map<Object, Object> converted;

    CelMapView(Map<String, Object> source) {
        this.source = source;
    }

    @Override
    public Object get(Object key) {
        if (!(key instanceof String k) || !source.containsKey(k)) return null;
        if (converted == null) converted = new HashMap<>();
        Object v = converted.get(k);
        if (v == null) {
            v = CelValues.toCel(source.get(k));
            converted.put(k, v);
        }
        return v;
    }

    @Override
    public boolean containsKey(Object key) {
        return key instanceof String k && source.containsKey(k);
    }

    @Override
    public int size() {
        return source.size();
    }

    @Override
    public Set<Entry<Object, Object>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<Object, Object>> iterator() {
                Iterator<String> keys = source.keySet().iterator();
                return new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return keys.hasNext();
                    }

                    @Override
                    public Entry<Object, Object> next() {
                        String k = keys.next();
                        return new SimpleImmutableEntry<>(k, get(k));
                    }
                };
            }

            @Override
            public int size() {
                return source.size();
            }
        };
    }
}
