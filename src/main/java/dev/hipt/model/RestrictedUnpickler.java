package dev.hipt.model;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

/**
 * An unpickler that builds plain data only. Every opcode that names a global ({@code GLOBAL}, {@code STACK_GLOBAL},
 * {@code INST}, {@code OBJ}) and every opcode that calls one ({@code REDUCE}, {@code NEWOBJ}, {@code NEWOBJ_EX},
 * {@code BUILD}) is handled here rather than by razorvine, whose default would turn an unknown global into a
 * dictionary-building constructor. A global outside {@link #ALLOWED} is refused with a {@link CheckpointException}
 * naming it; an allowed one is a {@link PyGlobal} marker whose "call" is interpreted here as data construction, so
 * nothing from the file is ever executed.
 * <p>
 * Tensors stay lazy: a persistent id becomes a {@link StorageRef} and {@code _rebuild_tensor_v2} a {@link TensorRef};
 * no storage bytes are read while parsing. Dicts keep file order ({@link LinkedHashMap}), which razorvine's own
 * {@code EMPTY_DICT}/{@code SETITEMS} would lose.
 */
final class RestrictedUnpickler extends Unpickler {

    static final String ORDERED_DICT = "collections.OrderedDict";
    static final String REBUILD_TENSOR_V2 = "torch._utils._rebuild_tensor_v2";
    static final String REBUILD_PARAMETER = "torch._utils._rebuild_parameter";
    static final String REBUILD_PARAMETER_WITH_STATE = "torch._utils._rebuild_parameter_with_state";
    static final String NAMESPACE = "argparse.Namespace";

    /** Every global a checkpoint may name: tensor and parameter rebuild, storage types, plain containers. */
    static final Set<String> ALLOWED;

    static {
        Set<String> allowed = new LinkedHashSet<>(List.of(ORDERED_DICT, REBUILD_TENSOR_V2, REBUILD_PARAMETER,
                REBUILD_PARAMETER_WITH_STATE, NAMESPACE, "builtins.set", "builtins.frozenset", "__builtin__.set",
                "__builtin__.frozenset"));
        for (TorchDtype dtype : TorchDtype.values()) {
            allowed.add("torch." + dtype.storageName());
        }
        ALLOWED = Set.copyOf(allowed);
    }

    /** A global the allowlist admitted, kept as a name; "calling" it is interpreted by {@link #call}. */
    record PyGlobal(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    /** A storage named by a persistent id; its bytes are read only if a selected tensor uses it. */
    record StorageRef(String key, TorchDtype dtype, long numel) {
    }

    /** A tensor view onto a storage, not yet read. */
    record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {
    }

    /** An {@code argparse.Namespace}, read as a record of fields and never instantiated. */
    record Namespace(Map<String, Object> fields) {
    }

    @Override
    protected Object dispatch(short key) throws PickleException, IOException {
        switch (key) {
            case Opcodes.GLOBAL -> {
                String module = PickleUtils.readline(input);
                String name = PickleUtils.readline(input);
                stack.add(resolve(module, name));
            }
            case Opcodes.STACK_GLOBAL -> {
                Object name = stack.pop();
                Object module = stack.pop();
                if (!(module instanceof String m) || !(name instanceof String n)) {
                    throw new CheckpointException("refused pickle: STACK_GLOBAL with non-string operands");
                }
                stack.add(resolve(m, n));
            }
            case Opcodes.INST -> {
                String module = PickleUtils.readline(input);
                String name = PickleUtils.readline(input);
                resolve(module, name);
                throw new CheckpointException("refused pickle: INST opcode for global " + module + "." + name);
            }
            case Opcodes.OBJ -> throw new CheckpointException("refused pickle: OBJ opcode is not supported");
            case Opcodes.REDUCE, Opcodes.NEWOBJ -> {
                Object args = stack.pop();
                Object callable = stack.pop();
                stack.add(call(callable, args));
            }
            case Opcodes.NEWOBJ_EX -> {
                Object kwargs = stack.pop();
                Object args = stack.pop();
                Object callable = stack.pop();
                if (!(kwargs instanceof Map<?, ?> kw) || !kw.isEmpty()) {
                    throw new CheckpointException("refused pickle: NEWOBJ_EX with keyword arguments");
                }
                stack.add(call(callable, args));
            }
            case Opcodes.BUILD -> build(stack.pop(), stack.peek());
            case Opcodes.EMPTY_DICT -> stack.add(new LinkedHashMap<>());
            case Opcodes.DICT -> {
                List<Object> items = stack.pop_all_since_marker();
                Map<Object, Object> map = new LinkedHashMap<>();
                putPairs(map, items);
                stack.add(map);
            }
            case Opcodes.SETITEMS -> {
                List<Object> items = stack.pop_all_since_marker();
                putPairs(asMap(stack.peek(), "SETITEMS"), items);
            }
            case Opcodes.SETITEM -> {
                Object value = stack.pop();
                Object k = stack.pop();
                asMap(stack.peek(), "SETITEM").put(k, value);
            }
            default -> {
                return super.dispatch(key);
            }
        }
        return NO_RETURN_VALUE;
    }

    @Override
    protected Object persistentLoad(Object pid) {
        // ('storage', storage_type, key, location, numel), as torch.save writes it
        if (!(pid instanceof Object[] t) || t.length < 5 || !"storage".equals(t[0])) {
            throw new CheckpointException("unsupported persistent id in pickle: " + describe(pid));
        }
        if (!(t[1] instanceof PyGlobal type) || !(t[2] instanceof String storageKey)) {
            throw new CheckpointException("malformed storage persistent id in pickle: " + describe(pid));
        }
        TorchDtype dtype = TorchDtype.forStorage(type.module(), type.name());
        if (dtype == null) {
            throw new CheckpointException("global " + type.qualified() + " is not a storage type");
        }
        return new StorageRef(storageKey, dtype, toLong(t[4], "storage numel"));
    }

    private static PyGlobal resolve(String module, String name) {
        String qualified = module + "." + name;
        if (!ALLOWED.contains(qualified)) {
            throw new CheckpointException("refused pickle global " + qualified
                    + ": checkpoints may only name tensor/parameter rebuild functions, storage types and plain"
                    + " containers");
        }
        return new PyGlobal(module, name);
    }

    private static Object call(Object callable, Object argsObject) {
        if (!(callable instanceof PyGlobal global)) {
            throw new CheckpointException("refused pickle: call of a non-global " + describe(callable));
        }
        if (!(argsObject instanceof Object[] args)) {
            throw new CheckpointException("malformed pickle: arguments of " + global.qualified() + " are not a tuple");
        }
        switch (global.qualified()) {
            case ORDERED_DICT -> {
                Map<Object, Object> map = new LinkedHashMap<>();
                if (args.length == 1 && args[0] instanceof Collection<?> pairs) {
                    for (Object pair : pairs) {
                        if (!(pair instanceof Object[] kv) || kv.length != 2) {
                            throw new CheckpointException("malformed pickle: OrderedDict item " + describe(pair));
                        }
                        map.put(kv[0], kv[1]);
                    }
                } else if (args.length != 0) {
                    throw new CheckpointException("malformed pickle: OrderedDict with " + args.length + " arguments");
                }
                return map;
            }
            case REBUILD_TENSOR_V2 -> {
                // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
                if (args.length < 4 || !(args[0] instanceof StorageRef storage)) {
                    throw new CheckpointException("malformed pickle: " + REBUILD_TENSOR_V2 + " arguments "
                            + describe(args));
                }
                long[] size = toLongs(args[2], "tensor size");
                long[] stride = toLongs(args[3], "tensor stride");
                if (size.length != stride.length) {
                    throw new CheckpointException("malformed pickle: tensor size and stride differ in rank");
                }
                return new TensorRef(storage, toLong(args[1], "storage offset"), size, stride);
            }
            case REBUILD_PARAMETER, REBUILD_PARAMETER_WITH_STATE -> {
                // (data, requires_grad, backward_hooks[, state]): the parameter is its data
                if (args.length < 1 || !(args[0] instanceof TensorRef tensor)) {
                    throw new CheckpointException("malformed pickle: " + global.qualified() + " without a tensor");
                }
                return tensor;
            }
            case NAMESPACE -> {
                if (args.length != 0) {
                    throw new CheckpointException("malformed pickle: argparse.Namespace with arguments");
                }
                return new Namespace(new LinkedHashMap<>());
            }
            case "builtins.set", "builtins.frozenset", "__builtin__.set", "__builtin__.frozenset" -> {
                Set<Object> set = new LinkedHashSet<>();
                if (args.length == 1 && args[0] instanceof Collection<?> items) {
                    set.addAll(items);
                } else if (args.length != 0) {
                    throw new CheckpointException("malformed pickle: set with " + args.length + " arguments");
                }
                return set;
            }
            default -> throw new CheckpointException("refused pickle: global " + global.qualified()
                    + " may not be called");
        }
    }

    private static void build(Object state, Object target) {
        if (target instanceof Namespace ns && state instanceof Map<?, ?> fields) {
            fields.forEach((k, v) -> ns.fields().put(String.valueOf(k), v));
        } else if (target instanceof Map<?, ?> && state instanceof Map<?, ?>) {
            // instance attributes of an OrderedDict, e.g. a state_dict's _metadata: not items, not needed
        } else {
            throw new CheckpointException("refused pickle: BUILD on " + describe(target));
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> asMap(Object target, String opcode) {
        if (target instanceof Map<?, ?> map) {
            return (Map<Object, Object>) map;
        }
        throw new CheckpointException("malformed pickle: " + opcode + " on " + describe(target));
    }

    private static void putPairs(Map<Object, Object> map, List<Object> items) {
        if (items.size() % 2 != 0) {
            throw new CheckpointException("malformed pickle: odd number of dict items");
        }
        for (int i = 0; i < items.size(); i += 2) {
            map.put(items.get(i), items.get(i + 1));
        }
    }

    private static long toLong(Object value, String what) {
        if (value instanceof Integer || value instanceof Long) {
            return ((Number) value).longValue();
        }
        throw new CheckpointException("malformed pickle: " + what + " is " + describe(value));
    }

    private static long[] toLongs(Object value, String what) {
        List<Object> items = new ArrayList<>();
        if (value instanceof Object[] tuple) {
            items.addAll(List.of(tuple));
        } else if (value instanceof List<?> list) {
            items.addAll(list);
        } else {
            throw new CheckpointException("malformed pickle: " + what + " is " + describe(value));
        }
        long[] out = new long[items.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = toLong(items.get(i), what);
            if (out[i] < 0) {
                throw new CheckpointException("malformed pickle: negative " + what);
            }
        }
        return out;
    }

    static String describe(Object value) {
        if (value == null) {
            return "None";
        }
        if (value instanceof PyGlobal g) {
            return "global " + g.qualified();
        }
        if (value instanceof Object[] tuple) {
            return "tuple of " + tuple.length;
        }
        return value.getClass().getSimpleName();
    }
}
