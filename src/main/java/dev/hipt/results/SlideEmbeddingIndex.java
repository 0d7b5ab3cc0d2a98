package dev.hipt.results;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * An exact in-memory nearest-neighbour index of slide embeddings by cosine similarity: one entry per slide, grouped
 * by (model version, dimension), since only embeddings of one backbone are comparable. Each group keeps its vectors
 * L2-normalised in one contiguous {@code float[]} (row-major, one row per slide), so a query is a single pass of dot
 * products over that array with a partial top-k min-heap, and its cosine is the dot product.
 *
 * <p>Why exact and not approximate (HNSW, IVF): at the sizes a pathology service holds (10^5 - 10^6 slides) a full
 * pass takes about 20 ms of one core per 100k slides, bound by memory bandwidth (docs/performance.md, "Similar slides
 * index");
 * it answers exactly what the database scan answered, needs no build step, no recall tuning and no extra memory
 * beyond the vectors, takes updates and deletions in O(dim), and a search restricted to a few slides (kNN subtyping
 * over a label set) is just as exact, where filtered approximate search loses recall.
 *
 * <p>Memory per slide (192 floats): 768 bytes of vector plus about 110 bytes of bookkeeping (the slide id, its map
 * entry and slot, its id in the group), with up to half as much again of vector capacity while a group grows
 * (capacity grows by 1.5x and halves when a group falls to a third of it): 0.9 - 1.3 KB per slide, about 90 - 130 MB
 * per 100k slides (measured: 881 bytes per slide at 1M, 1152 at 100k). A group holds at most {@code Integer.MAX_VALUE / dim} slides (11 M at 192 dims).
 *
 * <p>Thread-safe: queries share a read lock and run in parallel; an update takes the write lock for O(dim) work.
 */
final class SlideEmbeddingIndex {

    private static final int MIN_CAPACITY = 16;

    /** The group and row of one slide's vector. */
    private static final class Slot {

        private final Group group;
        private int row;

        private Slot(Group group, int row) {
            this.group = group;
            this.row = row;
        }
    }

    private record GroupKey(String modelVersion, int dim) {
    }

    /** The vectors of one (model version, dimension), rows 0..size-1 in use. */
    private static final class Group {

        private final GroupKey key;
        private final int dim;
        private float[] vectors;
        private UUID[] ids;
        private int size;

        private Group(GroupKey key) {
            this.key = key;
            this.dim = key.dim();
            this.ids = new UUID[MIN_CAPACITY];
            this.vectors = new float[MIN_CAPACITY * dim];
        }

        private int add(UUID id, float[] unit) {
            if (size == ids.length) {
                resize(Math.max(MIN_CAPACITY, ids.length + (ids.length >> 1) + 1));
            }
            int row = size++;
            ids[row] = id;
            System.arraycopy(unit, 0, vectors, row * dim, dim);
            return row;
        }

        private void set(int row, float[] unit) {
            System.arraycopy(unit, 0, vectors, row * dim, dim);
        }

        /** Removes a row by moving the last row into it; returns the id of the moved slide, or null. */
        private UUID remove(int row) {
            int last = --size;
            UUID moved = null;
            if (row != last) {
                moved = ids[last];
                ids[row] = moved;
                System.arraycopy(vectors, last * dim, vectors, row * dim, dim);
            }
            ids[last] = null;
            if (ids.length > MIN_CAPACITY && size < ids.length / 3) {
                resize(Math.max(MIN_CAPACITY, ids.length / 2));
            }
            return moved;
        }

        private void resize(int capacity) {
            if ((long) capacity * dim > Integer.MAX_VALUE - 8) {
                throw new IllegalStateException("the similar-slides index of model version " + key.modelVersion()
                        + " cannot hold more than " + (Integer.MAX_VALUE / dim) + " slides of " + dim + " floats");
            }
            ids = Arrays.copyOf(ids, capacity);
            vectors = Arrays.copyOf(vectors, capacity * dim);
        }
    }

    private final Map<GroupKey, Group> groups = new HashMap<>();
    private final Map<UUID, Slot> slots = new HashMap<>();
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    /** Makes {@code embedding} of {@code modelVersion} the slide's entry, replacing any entry it had. */
    void put(UUID slideId, String modelVersion, float[] embedding) {
        GroupKey key = new GroupKey(modelVersion, embedding.length);
        float[] unit = unit(embedding);
        lock.writeLock().lock();
        try {
            Slot slot = slots.get(slideId);
            if (slot != null && slot.group.key.equals(key)) {
                slot.group.set(slot.row, unit);
                return;
            }
            if (slot != null) {
                removeSlot(slot);
            }
            Group group = groups.computeIfAbsent(key, Group::new);
            slots.put(slideId, new Slot(group, group.add(slideId, unit)));
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Removes the slide's entry, if it has one. */
    void remove(UUID slideId) {
        lock.writeLock().lock();
        try {
            Slot slot = slots.remove(slideId);
            if (slot != null) {
                removeSlot(slot);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Frees the slot's row; the caller removes or replaces the slide's own map entry. */
    private void removeSlot(Slot slot) {
        UUID moved = slot.group.remove(slot.row);
        if (moved != null) {
            slots.get(moved).row = slot.row;
        }
        if (slot.group.size == 0) {
            groups.remove(slot.group.key);
        }
    }

    /** How many slides the index holds. */
    int size() {
        lock.readLock().lock();
        try {
            return slots.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * The {@code k} slides of {@code modelVersion} nearest to {@code query} by cosine, most similar first, leaving
     * out {@code exclude} (the query slide itself); only vectors of the query's length are compared.
     */
    List<SimilarSlides.SimilarSlide> nearest(String modelVersion, float[] query, int k, UUID exclude) {
        float[] q = unit(query);
        lock.readLock().lock();
        try {
            Group group = groups.get(new GroupKey(modelVersion, query.length));
            if (group == null) {
                return List.of();
            }
            int skip = rowIn(group, exclude);
            TopK top = new TopK(k);
            float[] vectors = group.vectors;
            int dim = group.dim;
            for (int row = 0, offset = 0; row < group.size; row++, offset += dim) {
                if (row != skip) {
                    top.offer(dot(q, vectors, offset, dim), row);
                }
            }
            return top.sorted(group);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * As {@link #nearest}, among the slides of {@code among} only (those without an entry of {@code modelVersion}
     * are skipped): O(|among|) dot products, not a pass over the whole group.
     */
    List<SimilarSlides.SimilarSlide> nearestAmong(String modelVersion, float[] query, int k, Set<UUID> among,
                                                  UUID exclude) {
        float[] q = unit(query);
        lock.readLock().lock();
        try {
            Group group = groups.get(new GroupKey(modelVersion, query.length));
            if (group == null) {
                return List.of();
            }
            TopK top = new TopK(k);
            for (UUID id : among) {
                Slot slot = slots.get(id);
                if (slot != null && slot.group == group && !id.equals(exclude)) {
                    top.offer(dot(q, group.vectors, slot.row * group.dim, group.dim), slot.row);
                }
            }
            return top.sorted(group);
        } finally {
            lock.readLock().unlock();
        }
    }

    private int rowIn(Group group, UUID slideId) {
        Slot slot = slideId == null ? null : slots.get(slideId);
        return slot != null && slot.group == group ? slot.row : -1;
    }

    /** The vector scaled to length 1 (computed in double); an all-zero vector stays zero, so its cosine is 0. */
    static float[] unit(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += (double) x * x;
        }
        float[] out = new float[v.length];
        if (norm > 0) {
            double scale = 1 / Math.sqrt(norm);
            for (int i = 0; i < v.length; i++) {
                out[i] = (float) (v[i] * scale);
            }
        }
        return out;
    }

    /**
     * The dot product of {@code q} with {@code m[offset .. offset + dim)}; eight independent sums so the CPU can
     * overlap the multiply-adds instead of waiting on one dependency chain.
     */
    static float dot(float[] q, float[] m, int offset, int dim) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        float s4 = 0;
        float s5 = 0;
        float s6 = 0;
        float s7 = 0;
        int i = 0;
        for (; i + 8 <= dim; i += 8) {
            int j = offset + i;
            s0 += q[i] * m[j];
            s1 += q[i + 1] * m[j + 1];
            s2 += q[i + 2] * m[j + 2];
            s3 += q[i + 3] * m[j + 3];
            s4 += q[i + 4] * m[j + 4];
            s5 += q[i + 5] * m[j + 5];
            s6 += q[i + 6] * m[j + 6];
            s7 += q[i + 7] * m[j + 7];
        }
        for (; i < dim; i++) {
            s0 += q[i] * m[offset + i];
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    /** The k best (score, row) pairs seen, as a min-heap on score: a candidate enters only if it beats the worst. */
    private static final class TopK {

        private final float[] scores;
        private final int[] rows;
        private int size;

        private TopK(int k) {
            scores = new float[k];
            rows = new int[k];
        }

        private void offer(float score, int row) {
            if (size < scores.length) {
                int i = size++;
                while (i > 0) {
                    int parent = (i - 1) >> 1;
                    if (scores[parent] <= score) {
                        break;
                    }
                    scores[i] = scores[parent];
                    rows[i] = rows[parent];
                    i = parent;
                }
                scores[i] = score;
                rows[i] = row;
            } else if (size > 0 && score > scores[0]) {
                siftDown(score, row);
            }
        }

        private void siftDown(float score, int row) {
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && scores[child + 1] < scores[child]) {
                    child++;
                }
                if (scores[child] >= score) {
                    break;
                }
                scores[i] = scores[child];
                rows[i] = rows[child];
                i = child;
            }
            scores[i] = score;
            rows[i] = row;
        }

        /** The entries most similar first, their rows resolved to slide ids (under the caller's read lock). */
        private List<SimilarSlides.SimilarSlide> sorted(Group group) {
            Integer[] order = new Integer[size];
            for (int i = 0; i < size; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Float.compare(scores[b], scores[a]));
            List<SimilarSlides.SimilarSlide> out = new ArrayList<>(size);
            for (int i : order) {
                out.add(new SimilarSlides.SimilarSlide(group.ids[rows[i]], scores[i]));
            }
            return out;
        }
    }
}
