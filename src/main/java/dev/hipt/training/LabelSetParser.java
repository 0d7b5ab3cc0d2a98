package dev.hipt.training;

import dev.hipt.system.ApiException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.springframework.http.HttpStatus;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads an uploaded label set, CSV with a header row or JSON, into rows of raw text values under canonical column
 * names ({@code slideId}, {@code externalId}, {@code subtype}, {@code months}, {@code event}); other columns are
 * ignored. Row numbers count data rows from 1 (a CSV's row 1 is the line after the header).
 */
final class LabelSetParser {

    static final List<String> COLUMNS = List.of("slideId", "externalId", "subtype", "months", "event");
    static final int MAX_ROWS = 100_000;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The columns the upload has, and its rows. */
    record Parsed(Set<String> columns, List<Row> rows) {
    }

    /** One data row: its number and its values by canonical column; an empty cell is absent. */
    record Row(int number, Map<String, String> values) {
    }

    private LabelSetParser() {
    }

    static Parsed parse(String text) {
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        String trimmed = body.strip();
        if (trimmed.isEmpty()) {
            throw invalid("the label set is empty");
        }
        return trimmed.startsWith("{") || trimmed.startsWith("[") ? json(trimmed) : csv(body);
    }

    private static Parsed csv(String text) {
        List<String> lines = text.lines().toList();
        List<String> header = split(lines.get(0));
        Map<Integer, String> columnAt = new LinkedHashMap<>();
        for (int i = 0; i < header.size(); i++) {
            String canonical = canonical(header.get(i));
            if (canonical != null) {
                if (columnAt.containsValue(canonical)) {
                    throw invalid("column '" + canonical + "' appears twice in the header");
                }
                columnAt.put(i, canonical);
            }
        }
        List<Row> rows = new ArrayList<>();
        for (int l = 1; l < lines.size(); l++) {
            if (lines.get(l).isBlank()) {
                continue;
            }
            List<String> cells = split(lines.get(l));
            Map<String, String> values = new LinkedHashMap<>();
            int number = rows.size() + 1;
            columnAt.forEach((i, column) -> {
                if (i < cells.size() && !cells.get(i).isBlank()) {
                    values.put(column, cells.get(i).strip());
                }
            });
            rows.add(new Row(number, values));
            checkSize(rows);
        }
        return new Parsed(new LinkedHashSet<>(columnAt.values()), rows);
    }

    /** One CSV line: commas separate, double quotes quote, a doubled quote inside quotes is one quote. */
    static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cell.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(cell.toString());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        out.add(cell.toString());
        return out;
    }

    private static Parsed json(String text) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JacksonException e) {
            throw invalid("the label set is neither CSV nor valid JSON: " + e.getOriginalMessage());
        }
        JsonNode array = root.isArray() ? root : root.path("rows");
        if (!array.isArray()) {
            throw invalid("a JSON label set is an array of rows or an object with a 'rows' array");
        }
        Set<String> columns = new LinkedHashSet<>();
        List<Row> rows = new ArrayList<>();
        for (JsonNode node : array) {
            if (!node.isObject()) {
                throw invalid("row " + (rows.size() + 1) + " is not a JSON object");
            }
            Map<String, String> values = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                String canonical = canonical(field.getKey());
                if (canonical != null) {
                    columns.add(canonical);
                    JsonNode v = field.getValue();
                    String value = v.isNull() ? "" : v.isValueNode() ? v.asString() : v.toString();
                    if (!value.isBlank()) {
                        values.put(canonical, value.strip());
                    }
                }
            }
            rows.add(new Row(rows.size() + 1, values));
            checkSize(rows);
        }
        return new Parsed(columns, rows);
    }

    /** The name of a JSON label set ({@code name} at the top level), if it has one. */
    /**
     * The name of a label set sent as {@code application/json}, or null when it has none. Such a body must be one JSON
     * object or array: anything else (not JSON, a scalar, {@code null}) is 400 {@code BAD_REQUEST}, while what its
     * rows say is checked by {@link #parse} (422 {@code LABEL_SET_INVALID}), as for an uploaded file.
     */
    static String jsonName(String text) {
        JsonNode root;
        try {
            root = JSON.readTree(text.strip());
        } catch (JacksonException e) {
            throw ApiException.badRequest("The JSON body cannot be read: " + e.getOriginalMessage());
        }
        if (root == null || !(root.isObject() || root.isArray())) {
            throw ApiException.badRequest("A JSON label set is an object {\"name\": ..., \"rows\": [...]} or an"
                    + " array of rows");
        }
        return root.path("name").isString() ? root.path("name").asString() : null;
    }

    private static void checkSize(List<Row> rows) {
        if (rows.size() > MAX_ROWS) {
            throw invalid("a label set holds at most " + MAX_ROWS + " rows");
        }
    }

    private static String canonical(String header) {
        String h = header.strip().toLowerCase(Locale.ROOT).replace("_", "");
        for (String c : COLUMNS) {
            if (c.toLowerCase(Locale.ROOT).equals(h)) {
                return c;
            }
        }
        return null;
    }

    static ApiException invalid(String detail) {
        return new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, LabelSetService.LABEL_SET_INVALID, detail);
    }
}
