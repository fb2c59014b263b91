package bundle

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf8"
)

// The bundle's JSON is written by hand where a national package is big (areas, offices, users,
// translations, files), and by encoding/json for the rest (country, roles, events, statistics). Both write
// the same bytes as encoding/json writes the whole Bundle with SetEscapeHTML(false):
// TestEncodeIsEncodingJSON holds them to it, since a bundle whose bytes changed would no longer
// match the hash it carries.

// hashLen is the length of "sha256:" and a hex sha256.
const hashLen = len("sha256:") + 2*sha256.Size

// encode writes the bundle with an empty hash, except that hashLen bytes are left free where
// the hash goes: at buf[at:at+hashLen]. The bytes hashed are the rest.
func (b *Bundle) encode() (buf []byte, at int, err error) {
	buf = make([]byte, 0, b.sizeHint())
	buf = append(buf, `{"format":`...)
	buf = strconv.AppendInt(buf, int64(b.Format), 10)
	buf = append(buf, `,"version":`...)
	buf = appendString(buf, b.Version)
	buf = append(buf, `,"hash":"`...)
	at = len(buf)
	buf = append(buf, make([]byte, hashLen)...)
	buf = append(buf, `","country":`...)
	if buf, err = appendJSON(buf, &b.Country); err != nil {
		return nil, 0, err
	}

	buf = append(buf, `,"areas":`...)
	buf = appendList(buf, b.Areas, func(buf []byte, a *Area) []byte {
		buf = append(buf, `{"code":`...)
		buf = appendString(buf, a.Code)
		buf = append(buf, `,"name":`...)
		buf = appendString(buf, a.Name)
		if len(a.Names) > 0 {
			buf = append(buf, `,"names":`...)
			buf = appendStringMap(buf, a.Names)
		}
		if a.Parent != "" {
			buf = append(buf, `,"parent":`...)
			buf = appendString(buf, a.Parent)
		}
		buf = append(buf, `,"level":`...)
		buf = appendString(buf, a.Level)
		if a.ValidFrom != "" {
			buf = append(buf, `,"validFrom":`...)
			buf = appendString(buf, a.ValidFrom)
		}
		if a.ValidTo != "" {
			buf = append(buf, `,"validTo":`...)
			buf = appendString(buf, a.ValidTo)
		}
		if len(a.Successors) > 0 {
			buf = append(buf, `,"successors":[`...)
			for i, s := range a.Successors {
				if i > 0 {
					buf = append(buf, ',')
				}
				buf = appendString(buf, s)
			}
			buf = append(buf, ']')
		}
		return append(buf, '}')
	})
	buf = append(buf, `,"offices":`...)
	buf = appendList(buf, b.Offices, func(buf []byte, o *Office) []byte {
		buf = append(buf, `{"code":`...)
		buf = appendString(buf, o.Code)
		buf = append(buf, `,"name":`...)
		buf = appendString(buf, o.Name)
		if len(o.Names) > 0 {
			buf = append(buf, `,"names":`...)
			buf = appendStringMap(buf, o.Names)
		}
		buf = append(buf, `,"type":`...)
		buf = appendString(buf, o.Type)
		buf = append(buf, `,"area":`...)
		buf = appendString(buf, o.Area)
		return append(buf, '}')
	})
	buf = append(buf, `,"users":`...)
	buf = appendList(buf, b.Users, func(buf []byte, u *User) []byte {
		buf = append(buf, `{"username":`...)
		buf = appendString(buf, u.Username)
		buf = append(buf, `,"name":`...)
		buf = appendString(buf, u.Name)
		buf = append(buf, `,"role":`...)
		buf = appendString(buf, u.Role)
		buf = append(buf, `,"office":`...)
		buf = appendString(buf, u.Office)
		if u.Email != "" {
			buf = append(buf, `,"email":`...)
			buf = appendString(buf, u.Email)
		}
		if u.Phone != "" {
			buf = append(buf, `,"phone":`...)
			buf = appendString(buf, u.Phone)
		}
		return append(buf, '}')
	})
	buf = append(buf, `,"roles":`...)
	if buf, err = appendJSON(buf, b.Roles); err != nil {
		return nil, 0, err
	}
	buf = append(buf, `,"events":`...)
	if buf, err = appendJSON(buf, b.Events); err != nil {
		return nil, 0, err
	}
	buf = append(buf, `,"translations":`...)
	if b.Translations == nil {
		buf = append(buf, "null"...)
	} else {
		buf = appendMap(buf, b.Translations, appendStringMap)
	}
	if b.Statistics != nil {
		buf = append(buf, `,"statistics":`...)
		if buf, err = appendJSON(buf, b.Statistics); err != nil {
			return nil, 0, err
		}
	}
	if len(b.Files) > 0 {
		buf = append(buf, `,"files":`...)
		buf = appendMap(buf, b.Files, func(buf []byte, data []byte) []byte {
			if data == nil {
				return append(buf, "null"...)
			}
			buf = append(buf, '"')
			buf = base64.StdEncoding.AppendEncode(buf, data)
			return append(buf, '"')
		})
	}
	// json.Encoder ends what it writes with a newline; bundles have always had it.
	return append(buf, "}\n"...), at, nil
}

// sizeHint is about the size of the encoded bundle, a little over, so that it is written
// into one buffer that never grows.
func (b *Bundle) sizeHint() int {
	n := 64 << 10 // country, roles, events: small beside a national package's places
	for i := range b.Areas {
		a := &b.Areas[i]
		n += 64 + len(a.Code) + len(a.Name) + len(a.Parent) + len(a.Level)
		for l, s := range a.Names {
			n += 8 + len(l) + len(s)
		}
	}
	for i := range b.Offices {
		o := &b.Offices[i]
		n += 48 + len(o.Code) + len(o.Name) + len(o.Type) + len(o.Area)
		for l, s := range o.Names {
			n += 8 + len(l) + len(s)
		}
	}
	for i := range b.Users {
		u := &b.Users[i]
		n += 80 + len(u.Username) + len(u.Name) + len(u.Role) + len(u.Office) + len(u.Email) + len(u.Phone)
	}
	for l, texts := range b.Translations {
		n += 8 + len(l)
		for k, s := range texts {
			n += 8 + len(k) + len(s)
		}
	}
	for name, data := range b.Files {
		n += 8 + len(name) + base64.StdEncoding.EncodedLen(len(data))
	}
	return n
}

// appender lets a json.Encoder write into a byte slice.
type appender struct{ buf []byte }

func (a *appender) Write(p []byte) (int, error) {
	a.buf = append(a.buf, p...)
	return len(p), nil
}

// appendJSON appends v as encoding/json writes it, HTML characters unescaped.
func appendJSON(buf []byte, v any) ([]byte, error) {
	w := &appender{buf: buf}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return w.buf[:len(w.buf)-1], nil // without the Encoder's newline
}

// appendList appends a JSON array (null for a nil slice, as encoding/json writes it).
func appendList[T any](buf []byte, list []T, item func([]byte, *T) []byte) []byte {
	if list == nil {
		return append(buf, "null"...)
	}
	buf = append(buf, '[')
	for i := range list {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = item(buf, &list[i])
	}
	return append(buf, ']')
}

// appendMap appends a JSON object with its keys in order, as encoding/json writes a map.
func appendMap[V any](buf []byte, m map[string]V, value func([]byte, V) []byte) []byte {
	buf = append(buf, '{')
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendString(buf, k)
		buf = append(buf, ':')
		buf = value(buf, m[k])
	}
	return append(buf, '}')
}

func appendStringMap(buf []byte, m map[string]string) []byte {
	if m == nil {
		return append(buf, "null"...)
	}
	if len(m) == 1 { // an area's one other name: no sorting, no list of keys
		for k, v := range m {
			buf = append(buf, '{')
			buf = appendString(buf, k)
			buf = append(buf, ':')
			buf = appendString(buf, v)
			return append(buf, '}')
		}
	}
	return appendMap(buf, m, appendString)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string the way encoding/json does without HTML escaping:
// quotes, backslashes and control characters escaped (\b, \f, \n, \r, \t, else \u00XX), invalid
// UTF-8 replaced by \ufffd, U+2028 and U+2029 escaped.
func appendString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch b {
			case '\\', '"':
				buf = append(buf, '\\', b)
			case '\b':
				buf = append(buf, '\\', 'b')
			case '\f':
				buf = append(buf, '\\', 'f')
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

// hashInto computes the bundle's hash over buf without the hashLen bytes at at, and writes it
// there.
func hashInto(buf []byte, at int) string {
	h := sha256.New()
	h.Write(buf[:at])
	h.Write(buf[at+hashLen:])
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	hash := "sha256:" + hex.EncodeToString(sum[:])
	copy(buf[at:], hash)
	return hash
}
