package seal

import (
	"errors"
	"fmt"
)

// Base45 (RFC 9285) written here rather than imported: the scheme is forty lines, and the
// modules that offer it are one-person projects with a handful of commits each. What matters is
// the RFC's test vectors (base45_test.go) and a strict decoder: a value over 65535 or a stray
// character is refused, never wrapped around, so that one text decodes to one byte string.
//
// Its alphabet is exactly the QR code's alphanumeric set, which packs 5.5 bits a character
// against 8 in byte mode: why the EU's digital COVID certificate, and this seal, use it.

const base45Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// base45Values maps a character to its value, or 0xff for a character outside the alphabet.
var base45Values = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i := 0; i < len(base45Alphabet); i++ {
		t[base45Alphabet[i]] = byte(i)
	}
	return t
}()

// errBase45 is why a text is not Base45; its messages say where.
var errBase45 = errors.New("not Base45")

// base45EncodedLen is the length of the Base45 text of n bytes: three characters for every two
// bytes, two for an odd last byte.
func base45EncodedLen(n int) int { return n/2*3 + n%2*2 }

// base45Encode returns the Base45 text of src.
func base45Encode(src []byte) string {
	dst := make([]byte, 0, base45EncodedLen(len(src)))
	for i := 0; i+1 < len(src); i += 2 {
		n := int(src[i])<<8 | int(src[i+1])
		dst = append(dst, base45Alphabet[n%45], base45Alphabet[n/45%45], base45Alphabet[n/2025])
	}
	if len(src)%2 == 1 {
		n := int(src[len(src)-1])
		dst = append(dst, base45Alphabet[n%45], base45Alphabet[n/45])
	}
	return string(dst)
}

// base45Decode returns the bytes of a Base45 text. It refuses a character outside the
// alphabet, a length of 1 modulo 3, and a group whose value does not fit its bytes (over 65535
// for three characters, over 255 for a final two).
func base45Decode(s string) ([]byte, error) {
	if len(s)%3 == 1 {
		return nil, fmt.Errorf("%w: %d characters, which no byte string encodes to", errBase45, len(s))
	}
	dst := make([]byte, 0, len(s)/3*2+len(s)%3/2)
	for i := 0; i < len(s); i += 3 {
		var v [3]int
		k := min(3, len(s)-i)
		for j := range k {
			c := base45Values[s[i+j]]
			if c == 0xff {
				return nil, fmt.Errorf("%w: character %d (%q) is outside the Base45 alphabet", errBase45, i+j+1, s[i+j])
			}
			v[j] = int(c)
		}
		n := v[0] + v[1]*45 + v[2]*2025
		switch {
		case k == 3 && n > 0xffff:
			return nil, fmt.Errorf("%w: characters %d-%d stand for %d, over 65535", errBase45, i+1, i+3, n)
		case k == 3:
			dst = append(dst, byte(n>>8), byte(n))
		case n > 0xff:
			return nil, fmt.Errorf("%w: the last two characters stand for %d, over 255", errBase45, n)
		default:
			dst = append(dst, byte(n))
		}
	}
	return dst, nil
}
