package dev.hipt.training;

import dev.hipt.results.AnalysedSlideVectors;
import dev.hipt.slide.SlideIdentities;
import dev.hipt.system.ApiException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/** Validates and stores label sets: every row must name one analysed slide and carry valid labels, or none is kept. */
@Service
class LabelSetService {

    /** 422: the label set as a whole is unusable (empty, no slide column, no label columns, unreadable). */
    static final String LABEL_SET_INVALID = "LABEL_SET_INVALID";
    /** 422: a row names an unknown slide, misses a value, or has an invalid one; the detail names row and column. */
    static final String LABEL_ROW_INVALID = "LABEL_ROW_INVALID";

    private final LabelSetRepository sets;
    private final SlideIdentities slides;
    private final AnalysedSlideVectors analysed;

    LabelSetService(LabelSetRepository sets, SlideIdentities slides, AnalysedSlideVectors analysed) {
        this.sets = sets;
        this.slides = slides;
        this.analysed = analysed;
    }

    LabelSet create(String name, String upload) {
        LabelSetParser.Parsed parsed = LabelSetParser.parse(upload);
        Set<String> columns = parsed.columns();
        boolean bySlideId = columns.contains("slideId");
        if (!bySlideId && !columns.contains("externalId")) {
            throw LabelSetParser.invalid("the label set needs a 'slideId' or an 'externalId' column");
        }
        boolean subtype = columns.contains("subtype");
        boolean survival = columns.contains("months") || columns.contains("event");
        if (survival && !(columns.contains("months") && columns.contains("event"))) {
            throw LabelSetParser.invalid("survival labels need both a 'months' and an 'event' column");
        }
        if (!subtype && !survival) {
            throw LabelSetParser.invalid("the label set needs a 'subtype' column or 'months' and 'event' columns");
        }
        if (parsed.rows().isEmpty()) {
            throw LabelSetParser.invalid("the label set has a header but no rows");
        }
        List<UUID> ids = resolve(parsed.rows(), bySlideId);
        Map<UUID, AnalysedSlideVectors.Newest> analyses = analysed.newest(ids);
        Map<UUID, Integer> seen = new HashMap<>();
        Set<String> classes = new TreeSet<>();
        List<LabelSet.LabelRow> rows = new ArrayList<>();
        String key = bySlideId ? "slideId" : "externalId";
        for (int i = 0; i < parsed.rows().size(); i++) {
            LabelSetParser.Row row = parsed.rows().get(i);
            UUID id = ids.get(i);
            Integer earlier = seen.put(id, row.number());
            if (earlier != null) {
                throw rowError(row, key, "slide " + id + " is labelled in row " + earlier + " already");
            }
            if (!analyses.containsKey(id)) {
                throw new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, TrainingFailure.SLIDE_NOT_ANALYSED,
                        "row " + row.number() + ", column '" + key + "': slide " + id
                                + " has no analysis results; analyse it before labelling it");
            }
            String cls = subtype ? required(row, "subtype") : null;
            if (cls != null) {
                classes.add(cls);
            }
            Double months = survival ? months(row) : null;
            Boolean event = survival ? event(row) : null;
            rows.add(new LabelSet.LabelRow(row.number(), id, cls, months, event));
        }
        List<HeadTask> tasks = new ArrayList<>();
        if (subtype) {
            tasks.add(HeadTask.SUBTYPE);
        }
        if (survival) {
            tasks.add(HeadTask.SURVIVAL);
        }
        LabelSet set = new LabelSet(UUID.randomUUID(), name, rows.size(), List.copyOf(classes), List.copyOf(tasks),
                false, Instant.now().truncatedTo(ChronoUnit.MICROS), List.copyOf(rows));
        sets.insert(set);
        return set;
    }

    LabelSet find(UUID id) {
        return sets.find(id).orElseThrow(() -> ApiException.notFound("label set", id));
    }

    /** Makes a label set with subtype labels the reference of kNN subtyping. */
    LabelSet activate(UUID id) {
        LabelSet set = find(id);
        if (!set.tasks().contains(HeadTask.SUBTYPE)) {
            throw LabelSetParser.invalid("label set " + id + " has no subtype labels; kNN subtyping needs them");
        }
        sets.makeReference(id);
        return find(id);
    }

    private List<UUID> resolve(List<LabelSetParser.Row> rows, boolean bySlideId) {
        List<UUID> ids = new ArrayList<>();
        if (bySlideId) {
            for (LabelSetParser.Row row : rows) {
                String value = required(row, "slideId");
                try {
                    ids.add(UUID.fromString(value));
                } catch (IllegalArgumentException e) {
                    throw rowError(row, "slideId", "'" + value + "' is not a slide id (a UUID)");
                }
            }
            Set<UUID> existing = slides.existing(ids);
            for (int i = 0; i < rows.size(); i++) {
                if (!existing.contains(ids.get(i))) {
                    throw rowError(rows.get(i), "slideId", "no slide has id " + ids.get(i));
                }
            }
            return ids;
        }
        List<String> externalIds = rows.stream().map(r -> required(r, "externalId")).toList();
        Map<String, List<UUID>> found = slides.byExternalId(externalIds);
        for (int i = 0; i < rows.size(); i++) {
            List<UUID> matches = found.getOrDefault(externalIds.get(i), List.of());
            if (matches.isEmpty()) {
                throw rowError(rows.get(i), "externalId", "no slide has externalId '" + externalIds.get(i) + "'");
            }
            if (matches.size() > 1) {
                throw rowError(rows.get(i), "externalId", matches.size() + " slides have externalId '"
                        + externalIds.get(i) + "'; label them by slideId");
            }
            ids.add(matches.get(0));
        }
        return ids;
    }

    private static double months(LabelSetParser.Row row) {
        String value = required(row, "months");
        double months;
        try {
            months = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw rowError(row, "months", "'" + value + "' is not a number");
        }
        if (!Double.isFinite(months) || months < 0) {
            throw rowError(row, "months", "the time must be a finite number of months, 0 or more, was " + value);
        }
        return months;
    }

    private static boolean event(LabelSetParser.Row row) {
        String value = required(row, "event");
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "1", "true", "event" -> true;
            case "0", "false", "censored" -> false;
            default -> throw rowError(row, "event", "unknown event value '" + value
                    + "' (use 1/0, true/false or event/censored)");
        };
    }

    private static String required(LabelSetParser.Row row, String column) {
        String value = row.values().get(column);
        if (value == null) {
            throw rowError(row, column, "the value is missing");
        }
        return value;
    }

    private static ApiException rowError(LabelSetParser.Row row, String column, String detail) {
        return new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, LABEL_ROW_INVALID,
                "row " + row.number() + ", column '" + column + "': " + detail);
    }
}
