import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.*;

/**
 * The kit's notation for bytes from others (docs/escapes.md), both ways: escaped() is the lessons'
 * own copy (tests/fixtures/repeated_methods.py keeps them the same), unescaped() reads it back, so
 * an ADDRESS on the command line can name any byte, as in @a\x00b.
 */
public final class Text {
    private static final Pattern ESCAPE = Pattern.compile("\\\\(\\\\|n|x\\p{XDigit}{2}|u\\{\\p{XDigit}{1,6}\\})");

    private Text() {}

    /** Bytes from others as one line that cannot move the cursor or forge a line (the notation: docs/escapes.md). */
    static String escaped(byte[] bytes) {
        boolean utf8 = Arrays.equals(new String(bytes, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8), bytes);
        String text = new String(bytes, utf8 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1); // not UTF-8: bytes
        return Pattern.compile(utf8 ? "[\\\\\\p{C}\\p{Zl}\\p{Zp}]" : "[\\\\\\p{C}\\x80-\\xff]").matcher(text).replaceAll(m -> {
            int c = m.group().codePointAt(0);
            String escape = c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c < 0x80 || !utf8 ? String.format("\\x%02x", c) : String.format("\\u{%x}", c);
            return Matcher.quoteReplacement(escape);
        });
    }

    /** The bytes that TEXT, in the kit's notation, stands for; a backslash that starts no escape is refused. */
    static byte[] unescaped(String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Matcher escape = ESCAPE.matcher(text);
        int done = 0;
        while (escape.find()) {
            bytes.writeBytes(plain(text.substring(done, escape.start())));
            String code = escape.group(1);
            if (code.startsWith("x")) {
                bytes.write(Integer.parseInt(code.substring(1), 16));
            } else if (code.startsWith("u")) {
                int codePoint = Integer.parseInt(code.substring(2, code.length() - 1), 16);
                if (!Character.isValidCodePoint(codePoint) || Character.getType(codePoint) == Character.SURROGATE) {
                    throw new IllegalArgumentException("\\" + code + " is not a code point");
                }
                bytes.writeBytes(Character.toString(codePoint).getBytes(StandardCharsets.UTF_8));
            } else {
                bytes.write(code.equals("n") ? '\n' : '\\');
            }
            done = escape.end();
        }
        bytes.writeBytes(plain(text.substring(done)));
        return bytes.toByteArray();
    }

    private static byte[] plain(String text) {
        if (text.indexOf('\\') >= 0) {
            throw new IllegalArgumentException("a backslash starts an escape: \\\\, \\n, \\xHH or \\u{H}, not " + text.substring(text.indexOf('\\')));
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
