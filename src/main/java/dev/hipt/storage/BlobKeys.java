package dev.hipt.storage;

import java.util.regex.Pattern;

/** Validates blob keys: relative, slash-separated, no empty, {@code .} or {@code ..} segment, no backslash. */
final class BlobKeys {

    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._\\-+=@,() ]+");

    private BlobKeys() {
    }

    static String check(String key) {
        if (key == null || key.isEmpty() || key.startsWith("/") || key.length() > 1024) {
            throw new IllegalArgumentException("Invalid blob key");
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")
                    || !SEGMENT.matcher(segment).matches()) {
                throw new IllegalArgumentException("Invalid blob key segment in " + key);
            }
        }
        return key;
    }

    /** A prefix is a key, optionally ending with a slash. */
    static String checkPrefix(String prefix) {
        return prefix.endsWith("/") ? check(prefix.substring(0, prefix.length() - 1)) + "/" : check(prefix);
    }
}
