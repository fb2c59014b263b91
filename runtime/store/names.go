package store

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// NameKeys turns names into the words a search matches: lower case, accents and other marks
// removed (Müller, MÜLLER and Muller are one), split at anything that is not a letter or a
// digit. Scripts without case or marks (Ethiopic, say) are kept as written. Words repeat once.
func NameKeys(names ...string) []string {
	var keys []string
	for _, n := range names {
		var b strings.Builder
		flush := func() {
			if b.Len() > 0 {
				w := b.String()
				b.Reset()
				for _, k := range keys {
					if k == w {
						return
					}
				}
				keys = append(keys, w)
			}
		}
		for _, r := range norm.NFKD.String(n) {
			switch {
			case unicode.Is(unicode.Mn, r):
				// a combining mark: an accent taken off its letter
			case unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(unicode.ToLower(r))
			default:
				flush()
			}
		}
		flush()
	}
	return keys
}
