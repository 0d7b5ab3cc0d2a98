package dev.hipt.training;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What a slide head learns: the subtype class (cross-entropy) or discrete-time survival (NLL survival loss). */
public enum HeadTask {
    SUBTYPE, SURVIVAL;

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static HeadTask of(String value) {
        for (HeadTask t : values()) {
            if (t.json().equalsIgnoreCase(value)) {
                return t;
            }
        }
        throw new IllegalArgumentException("task must be 'subtype' or 'survival', was '" + value + "'");
    }
}
