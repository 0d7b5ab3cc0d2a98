package dev.hipt.model;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Named parameters in PyTorch's {@code state_dict} naming ({@code blocks.3.attn.qkv.weight}), in file order.
 * Lookups of a missing or mis-shaped parameter fail with a {@link CheckpointException} that names it.
 */
public final class StateDict {

    private final Map<String, Tensor> tensors;

    public StateDict(Map<String, Tensor> tensors) {
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    }

    public Set<String> keys() {
        return tensors.keySet();
    }

    public Map<String, Tensor> asMap() {
        return tensors;
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** The tensor called {@code name}; a missing one is an error naming it. */
    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new CheckpointException("checkpoint is missing parameter '" + name + "'");
        }
        return t;
    }

    /** The tensor called {@code name}, which must have exactly {@code shape}. */
    public Tensor get(String name, long... shape) {
        Tensor t = get(name);
        if (!t.hasShape(shape)) {
            throw new CheckpointException("parameter '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(shape));
        }
        return t;
    }

    /** The entries whose names start with {@code prefix}, with the prefix removed. */
    public StateDict withPrefix(String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return new StateDict(out);
    }

    /** How many {@code <prefix>N.} indices the names use, e.g. the block count for {@code "blocks."}. */
    public int countIndexed(String prefix) {
        int max = -1;
        for (String k : tensors.keySet()) {
            if (k.startsWith(prefix)) {
                String rest = k.substring(prefix.length());
                int dot = rest.indexOf('.');
                if (dot > 0 && rest.substring(0, dot).chars().allMatch(Character::isDigit)) {
                    max = Math.max(max, Integer.parseInt(rest.substring(0, dot)));
                }
            }
        }
        return max + 1;
    }

    public int size() {
        return tensors.size();
    }
}
