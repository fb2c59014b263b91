package store

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
)

// A name typed with one typo (Dubreil for Dubreuil) is found through the record's keys
// (Record.Keys, the index that finds possible duplicates among millions of records) rather
// than a scan: each name word of three letters or more is kept with the words one deletion
// makes of it (SymSpell's deletion neighbourhood: dubreuil, ubreuil, dbreuil, … dubreui),
// hashed under FuzzyPrefix. Two words one edit apart (a letter changed, added, dropped, or two
// neighbours swapped) share one of these keys; words sharing one may be two edits apart
// (abcx, yabc), which WithinOneEdit tells apart on the records found.

// FuzzyPrefix begins the keys of names' neighbourhoods: no rule's key (a hash) or link holds
// a ':' there.
const FuzzyPrefix = "name1:"

const (
	minFuzzyRecordWord = 3  // a record's words this long or longer hold neighbourhood keys
	minFuzzyQueryWord  = 4  // a searched word this long or longer is looked for with one typo
	maxFuzzyWord       = 40 // longer words are not: their neighbourhood would be too many keys
)

// FuzzyKeys are the neighbourhood keys of a record's name words (as NameKeys makes them),
// sorted: what WithFuzzyKeys adds to its keys.
func FuzzyKeys(names []string) []string {
	var out []string
	for _, w := range names {
		if n := len([]rune(w)); n >= minFuzzyRecordWord && n <= maxFuzzyWord {
			out = append(out, neighbourhood(w)...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// WithFuzzyKeys is keys with the neighbourhood keys they hold replaced by those of names,
// as many as fit within MaxRecordKeys (the others keys first: they are links and duplicate
// rules' keys).
func WithFuzzyKeys(keys, names []string) []string {
	out := slices.DeleteFunc(slices.Clone(keys), func(k string) bool { return strings.HasPrefix(k, FuzzyPrefix) })
	fk := FuzzyKeys(names)
	return append(out, fk[:min(len(fk), max(0, MaxRecordKeys-len(out)))]...)
}

// neighbourhood is a word's key and the keys of the words one deletion makes of it.
func neighbourhood(w string) []string {
	r := []rune(w)
	out := []string{fuzzyKey(w)}
	for i := range r {
		out = append(out, fuzzyKey(string(r[:i])+string(r[i+1:])))
	}
	return out
}

// fuzzyKey: 72 bits of the word's sha256. Two words meeting by chance cost a record read and
// a comparison that drops it, nothing else.
func fuzzyKey(w string) string {
	sum := sha256.Sum256([]byte(w))
	return FuzzyPrefix + base64.RawURLEncoding.EncodeToString(sum[:9])
}

// WithinOneEdit tells whether a and b are at most one edit apart: a letter changed, added or
// dropped, or two neighbouring letters swapped (Damerau).
func WithinOneEdit(a, b string) bool {
	x, y := []rune(a), []rune(b)
	if len(x) < len(y) {
		x, y = y, x
	}
	if len(x)-len(y) > 1 {
		return false
	}
	i := 0
	for i < len(y) && x[i] == y[i] {
		i++
	}
	if i == len(y) {
		return true // equal, or x is y and one letter more
	}
	if len(x) > len(y) {
		return slices.Equal(x[i+1:], y[i:]) // one letter added
	}
	return slices.Equal(x[i+1:], y[i+1:]) || // one changed
		i+1 < len(x) && x[i] == y[i+1] && x[i+1] == y[i] && slices.Equal(x[i+2:], y[i+2:]) // two swapped
}

// prefixMatch tells whether every word of query begins one of names, as a search by name
// matches.
func prefixMatch(names, query []string) bool {
	for _, q := range query {
		if !slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, q) }) {
			return false
		}
	}
	return true
}

// fuzzyWord tells the words of a search looked for with one typo.
func fuzzyWord(w string) bool {
	n := len([]rune(w))
	return n >= minFuzzyQueryWord && n <= maxFuzzyWord
}

// SearchNames is search(q), and for a search by name, once the records it matches end, the
// records whose names match it but for one typo in one word (a word of four letters or more
// one edit from one of the record's words, every other word beginning one of them): the
// matches first, then the near ones, word by word of the search. The near ones are found by
// their keys (FuzzyKeys), each with the other conditions of q, its jurisdiction with them.
// A page may come out shorter than q's limit (keys that met by chance); Next still goes on.
// The Next of a page of near records begins with '~', which no store's cursor does.
//
// It is the store's search where names may be mistyped, as records.Service.Search does it:
// stores implement Search alone.
func SearchNames(ctx context.Context, search func(context.Context, Query) (Page, error), q Query) (Page, error) {
	if len(q.Name) == 0 || len(q.Keys) > 0 || !slices.ContainsFunc(q.Name, fuzzyWord) {
		return search(ctx, q)
	}
	word, after := -1, q.After
	if strings.HasPrefix(q.After, "~") {
		w, a, ok := strings.Cut(q.After[1:], "~")
		n, err := strconv.Atoi(w)
		if !ok || err != nil || n < 0 || n >= len(q.Name) || !fuzzyWord(q.Name[n]) {
			return Page{}, ErrBadCursor
		}
		word, after = n, a
	}
	limit := PageLimit(q)
	var out Page
	if word < 0 {
		eq := q
		eq.After = after
		p, err := search(ctx, eq)
		if err != nil || p.Next != "" {
			return p, err
		}
		out.Records, word, after = p.Records, 0, ""
	}
	// Each read is one of an index: a few per page, whatever the register holds.
	for reads := 0; word < len(q.Name); {
		if !fuzzyWord(q.Name[word]) {
			word, after = word+1, ""
			continue
		}
		room := limit - len(out.Records)
		if room == 0 || reads >= 3*len(q.Name) {
			out.Next = "~" + strconv.Itoa(word) + "~" + after
			break
		}
		fq := q
		fq.Name = slices.Delete(slices.Clone(q.Name), word, word+1)
		if after == "" && len(fq.Name) > 0 {
			// The other words first, by the names' index: a word's neighbourhood may be
			// thousands of records (Selam's, say), all read in vain when no record matches
			// the other words (the word with the typo).
			oq := fq
			oq.Limit, oq.After = 1, ""
			p, err := search(ctx, oq)
			reads++
			if err != nil {
				return Page{}, err
			}
			if len(p.Records) == 0 {
				word++
				continue
			}
		}
		fq.Keys, fq.Limit, fq.After = neighbourhood(q.Name[word]), room, after
		p, err := search(ctx, fq)
		reads++
		if err != nil {
			return Page{}, err
		}
		for _, r := range p.Records {
			// Matched otherwise, it was on the pages before; a key met by chance, or a word
			// two edits away, is not a match.
			if !prefixMatch(r.Names, q.Name) && slices.ContainsFunc(r.Names, func(n string) bool { return WithinOneEdit(q.Name[word], n) }) {
				out.Records = append(out.Records, r)
			}
		}
		if p.Next != "" {
			after = p.Next
		} else {
			word, after = word+1, ""
		}
	}
	return out, nil
}
