import java.math.BigDecimal;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The kit tools' one JSON writer (RFC 8259), on one line: strings, numbers, true/false, null, and
 * objects and arrays of them from maps (in their order) and lists. {@code Json.object("a", 1, "b",
 * List.of("x"))} is an ordered map to write: {@code {"a":1,"b":["x"]}}.
 */
public final class Json {
    private Json() {}

    /** An object's members in the order given: a key (a string), its value, the next key, ... */
    public static Map<String, Object> object(Object... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("a key without a value: " + keysAndValues[keysAndValues.length - 1]);
        }
        Map<String, Object> members = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            if (!(keysAndValues[i] instanceof String key) || members.containsKey(key)) {
                throw new IllegalArgumentException("not a new key: " + keysAndValues[i]);
            }
            members.put(key, keysAndValues[i + 1]);
        }
        return members;
    }

    /** VALUE as JSON text. A number is written as Java writes it (BigDecimal: without an exponent); NaN and infinities have no JSON. */
    public static String write(Object value) {
        return write(value, new StringBuilder()).toString();
    }

    private static StringBuilder write(Object value, StringBuilder json) {
        if (value == null || value instanceof Boolean) {
            return json.append(value);
        }
        if (value instanceof String text) {
            return quote(text, json);
        }
        if (value instanceof BigDecimal decimal) {
            return json.append(decimal.toPlainString());
        }
        if (value instanceof Double || value instanceof Float) {
            double number = ((Number) value).doubleValue();
            if (!Double.isFinite(number)) {
                throw new IllegalArgumentException(number + " has no JSON");
            }
            return json.append(value);
        }
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            return json.append(value);
        }
        if (value instanceof Map<?, ?> map) {
            json.append('{');
            for (Iterator<? extends Map.Entry<?, ?>> members = map.entrySet().iterator(); members.hasNext();) {
                Map.Entry<?, ?> member = members.next();
                quote(String.valueOf(member.getKey()), json).append(':');
                write(member.getValue(), json).append(members.hasNext() ? "," : "");
            }
            return json.append('}');
        }
        if (value instanceof List<?> list) {
            json.append('[');
            for (int i = 0; i < list.size(); i++) {
                write(list.get(i), json).append(i + 1 < list.size() ? "," : "");
            }
            return json.append(']');
        }
        throw new IllegalArgumentException("no JSON for a " + value.getClass().getSimpleName());
    }

    /** A JSON string: '"' and '\' escaped, and what may not stand in one as it is (control characters, half a surrogate pair) as \\uXXXX. */
    public static String quoted(String text) {
        return quote(text, new StringBuilder()).toString();
    }

    private static StringBuilder quote(String text, StringBuilder json) {
        json.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))
                    || Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(text.charAt(i - 1));
            if (c == '"' || c == '\\') {
                json.append('\\').append(c);
            } else if (c < 0x20 || Character.isSurrogate(c) && !paired) {
                json.append(String.format("\\u%04x", (int) c));
            } else {
                json.append(c);
            }
        }
        return json.append('"');
    }
}
