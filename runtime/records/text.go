package records

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// CheckJSONText refuses the JSON that encoding/json would read with U+FFFD in place of what
// was sent, silently: bytes that are not UTF-8 (RFC 8259 requires it), and \u escapes of lone
// surrogates, which are no character (RFC 7493, I-JSON). A name must be stored as sent or
// refused, never changed into another; the rest of the syntax is the decoder's to check.
func CheckJSONText(b []byte) error {
	if !utf8.Valid(b) {
		i := 0
		for i < len(b) {
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			i += size
		}
		return fmt.Errorf("byte %d (0x%02x) is not UTF-8", i, b[i])
	}
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !inString {
			inString = c == '"'
			continue
		}
		switch c {
		case '"':
			inString = false
		case '\\':
			r, ok := escaped(b, i)
			if !ok {
				i++ // \" \\ \n...: the character escaped is not the end of the string
				continue
			}
			switch {
			case utf16.IsSurrogate(r) && r < 0xdc00:
				if low, ok := escaped(b, i+6); ok && low >= 0xdc00 && low <= 0xdfff {
					i += 11
					continue
				}
				return fmt.Errorf("byte %d: \\u%04x is half of a UTF-16 surrogate pair, without its other half", i, r)
			case utf16.IsSurrogate(r):
				return fmt.Errorf("byte %d: \\u%04x is half of a UTF-16 surrogate pair, without its other half", i, r)
			}
			i += 5
		}
	}
	return nil
}

// escaped reads a \uXXXX escape at b[i:].
func escaped(b []byte, i int) (rune, bool) {
	if i+6 > len(b) || b[i] != '\\' || b[i+1] != 'u' {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 32)
	return rune(n), err == nil
}
