import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;

/** What the clients send, and how the servers show what they received. */
public final class Messages {
    private Messages() {}

    /** The bytes to send: the message as UTF-8, or all of standard input for "-". */
    public static byte[] toSend(String message) throws IOException {
        return "-".equals(message) ? System.in.readAllBytes() : message.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The received bytes as one line that is safe to print: printable UTF-8 as it is; control and
     * format characters, the backslash, and bytes that are not UTF-8 escaped (\n, \\, \x1b, \u202e),
     * so binary input cannot garble a terminal.
     */
    public static String printable(byte[] data) {
        if (isPlainAscii(data)) {
            return new String(data, StandardCharsets.US_ASCII); // the common case, and a fast one
        }
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder(); // reports malformed input
        ByteBuffer in = ByteBuffer.wrap(data);
        CharBuffer text = CharBuffer.allocate(data.length); // never more chars than bytes
        StringBuilder out = new StringBuilder(data.length);
        CoderResult result;
        do {
            result = utf8.decode(in, text, true);
            appendEscaped(out, text.flip());
            text.clear();
            for (int i = 0; result.isError() && i < result.length(); i++) {
                out.append(String.format("\\x%02x", in.get() & 0xff));
            }
        } while (result.isError());
        return out.toString();
    }

    private static boolean isPlainAscii(byte[] data) {
        for (byte b : data) {
            if (b < 0x20 || b == 0x7f || b == '\\') { // bytes over 0x7f are negative
                return false;
            }
        }
        return true;
    }

    private static void appendEscaped(StringBuilder out, CharSequence text) {
        text.codePoints().forEach(c -> {
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\x%02x", c));
                    } else if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
                        out.append(String.format("\\u%04x", c));
                    } else {
                        out.appendCodePoint(c);
                    }
                }
            }
        });
    }
}
