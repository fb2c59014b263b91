// Package i18n holds the runtime's own messages (the menus, buttons and errors of the
// registrars' pages) in the languages crvsctl ships, joins them to a country package's
// translations, and picks the language a user reads.
package i18n

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/number"
)

//go:embed messages.csv
var messagesCSV []byte

// builtin is crvsctl's messages: language -> key -> text.
var builtin = func() map[string]map[string]string {
	rows, err := csv.NewReader(bytes.NewReader(messagesCSV)).ReadAll()
	if err != nil {
		panic(fmt.Sprintf("i18n/messages.csv: %v", err))
	}
	out := map[string]map[string]string{}
	for _, row := range rows[1:] {
		for i, lang := range rows[0][1:] {
			if out[lang] == nil {
				out[lang] = map[string]string{}
			}
			if row[i+1] != "" {
				out[lang][row[0]] = row[i+1]
			}
		}
	}
	return out
}()

// Catalog is the texts of one bundle: its translations, over crvsctl's messages, so that a
// country may reword any of them (or give them in a language crvsctl does not ship).
type Catalog struct {
	languages []string // the country's, the default first
	fallback  []string // where a missing text is looked for: the default language, then English
	texts     map[string]map[string]string
	parsed    map[string]map[string]*Message // the texts that parse as MessageFormat
	matcher   language.Matcher
}

// New makes the catalog of a country's languages and translations (language -> key -> text).
func New(languages []string, defaultLanguage string, translations map[string]map[string]string) *Catalog {
	c := &Catalog{texts: map[string]map[string]string{}, parsed: map[string]map[string]*Message{}}
	c.languages = append([]string{defaultLanguage}, slices.DeleteFunc(slices.Clone(languages), func(l string) bool { return l == defaultLanguage })...)
	c.fallback = []string{defaultLanguage, "en"}
	for _, lang := range append(slices.Clone(c.languages), "en") {
		t := map[string]string{}
		for k, v := range builtin[lang] {
			t[k] = v
		}
		for k, v := range translations[lang] {
			t[k] = v
		}
		c.texts[lang] = t
		// Parsed once here, not per request. A text that does not parse (the compiler reports
		// it in a package; crvsctl's own are tested) is shown as written, with {name} replaced.
		ms := map[string]*Message{}
		for k, v := range t {
			if m, err := Parse(v); err == nil {
				ms[k] = m
			}
		}
		c.parsed[lang] = ms
	}
	var tags []language.Tag
	for _, l := range c.languages {
		tags = append(tags, language.Make(l))
	}
	c.matcher = language.NewMatcher(tags) // the first, the default, when nothing matches
	return c
}

// Languages are the country's languages, the default first.
func (c *Catalog) Languages() []string { return c.languages }

// Match is the language a user reads: the one they chose (when it is the country's), else the
// best of their browser's Accept-Language, else the country's default.
func (c *Catalog) Match(chosen, acceptLanguage string) string {
	if slices.Contains(c.languages, chosen) {
		return chosen
	}
	tags, _, _ := language.ParseAcceptLanguage(acceptLanguage)
	if len(tags) == 0 {
		return c.languages[0]
	}
	_, i, conf := c.matcher.Match(tags...)
	if conf == language.No {
		return c.languages[0]
	}
	return c.languages[i]
}

// Text is the text of key in lang, a MessageFormat message formatted with args: pairs of an
// argument's name and its value ({n, plural, ...} takes a number written as digits, "3" or
// "3.2"). A text the language lacks is taken from the default language, then English, and
// formatted by that language's rules; a key no language has is shown as it is, so that a gap
// is seen rather than hidden.
func (c *Catalog) Text(lang, key string, args ...string) string {
	a := make(map[string]any, len(args)/2)
	for i := 0; i+1 < len(args); i += 2 {
		a[args[i]] = args[i+1]
	}
	return c.format(lang, key, a)
}

// Format is Text with arguments of any type: an int is a number for a plural.
func (c *Catalog) Format(lang, key string, args map[string]any) string {
	return c.format(lang, key, args)
}

// find is the text of key in lang, else in the first language of the fallback that has it,
// and the language it is in: a text taken from another language is formatted by that
// language's rules (its plural categories), not lang's.
func (c *Catalog) find(lang, key string) (text, in string, ok bool) {
	t, ok := c.texts[lang][key]
	for _, l := range c.fallback {
		if ok {
			break
		}
		t, ok = c.texts[l][key]
		lang = l
	}
	return t, lang, ok
}

func (c *Catalog) format(lang, key string, args map[string]any) string {
	t, lang, ok := c.find(lang, key)
	if !ok {
		return key
	}
	if m := c.parsed[lang][key]; m != nil {
		return m.Format(lang, args)
	}
	for name, v := range args {
		t = strings.ReplaceAll(t, "{"+name+"}", text(v))
	}
	return t
}

// PluralForms are the texts of a plural message for a script to choose from: for each of the
// language's plural categories (and each exact =N branch) the text with the plural's number
// left as {arg}, to be replaced once the script knows the number and picks the category with
// Intl.PluralRules. Nil when the text has no plural of arg.
func (c *Catalog) PluralForms(lang, key, arg string) map[string]string {
	_, lang, ok := c.find(lang, key)
	m := c.parsed[lang][key]
	if !ok || m == nil {
		return nil
	}
	var keys []string
	for _, pl := range m.Plurals() {
		if pl.Name == arg && !pl.Ordinal {
			keys = append(keys, pl.Keys...)
		}
	}
	if keys == nil {
		return nil
	}
	out := map[string]string{}
	for _, k := range append(keys, PluralCategories(lang)...) {
		out[k] = m.Format(lang, map[string]any{arg: forced{key: k, shown: "{" + arg + "}"}})
	}
	return out
}

// PluralArg is the argument of the first plural of key's text in lang (as Text finds the
// text, falling back), "" when it has none: the number a script picks the key's PluralForms by.
func (c *Catalog) PluralArg(lang, key string) string {
	_, lang, ok := c.find(lang, key)
	if m := c.parsed[lang][key]; ok && m != nil {
		for _, pl := range m.Plurals() {
			if !pl.Ordinal {
				return pl.Name
			}
		}
	}
	return ""
}

// Has tells whether lang itself has a text for key (no fallback).
func (c *Catalog) Has(lang, key string) bool {
	_, ok := c.texts[lang][key]
	return ok
}

// Missing is crvsctl's message keys a language of the country has no text for: the pages
// show those in the default language (or English) instead.
func (c *Catalog) Missing(lang string) []string {
	var out []string
	for k := range builtin["en"] {
		if !c.Has(lang, k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// RightToLeft tells a language written right to left (Arabic, Hebrew, Persian, Urdu, ...),
// from the script it is most likely written in.
func RightToLeft(lang string) bool {
	s, _ := language.Make(lang).Script()
	switch s.String() {
	case "Arab", "Hebr", "Thaa", "Syrc", "Nkoo", "Adlm", "Rohg", "Mand", "Samr":
		return true
	}
	return false
}

// Keys are crvsctl's own message keys, sorted.
func Keys() []string {
	var out []string
	for k := range builtin["en"] {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Known tells a key of crvsctl's own messages, which a package may reword.
func Known(key string) bool {
	_, ok := builtin["en"][key]
	return ok
}

// Args are the arguments crvsctl gives its own message key, sorted: all a package's rewording
// of it can use.
func Args(key string) []string {
	m, err := Parse(builtin["en"][key])
	if err != nil {
		return nil
	}
	return m.Args()
}

// Ships tells whether crvsctl has its own text for key in lang.
func Ships(lang, key string) bool {
	_, ok := builtin[lang][key]
	return ok
}

// Shipped are the languages crvsctl's messages are written in.
func Shipped() []string {
	var out []string
	for l := range builtin {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

// List joins items as the text of key in lang joins two, {a} and {b}, from the first: "x, y
// and z" is not made by it, but "x, y, z" (ui.list.items: "{a}, {b}") and "x or y or z"
// (ui.list.or: "{a} or {b}") are, with each language's own separators and spaces (Arabic's
// "{a}، {b}", Amharic's "{a}፣ {b}"), which a package may reword: a pattern keeps its spaces
// where a spreadsheet's cell would lose them.
func (c *Catalog) List(lang, key string, items []string) string {
	if len(items) == 0 {
		return ""
	}
	out := items[0]
	for _, it := range items[1:] {
		out = c.Text(lang, key, "a", out, "b", it)
	}
	return out
}

// LongDate writes a date (YYYY-MM-DD) out in a language, as certificates print it: "November
// 1, 2026", "1er novembre 2026" (French writes the first of a month 1er, by a select in its
// text). The pattern is the text of date.long, the months' names those of month.1 to month.12,
// which a package may reword. Always the Gregorian calendar. A date that is not one is
// returned as it is. x/text has no date formatting: the Amharic month names shipped are
// CLDR's for the Gregorian calendar (ጃንዩወሪ ...), with ቀን after the day. The day and the
// year are written in the language's own digits, CLDR's default numbering system for it:
// Bengali ১ নভেম্বর ২০২৬, Arabic ١ ... ٢٠٢٦, Nepali २०२६; Latin digits for most languages.
func (c *Catalog) LongDate(lang, date string) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return c.Text(lang, "date.long", "day", Digits(lang, t.Day()), "month", c.Text(lang, "month."+strconv.Itoa(int(t.Month()))),
		"year", Digits(lang, t.Year()))
}

// Digits writes a whole number in the digits a language writes numbers in (CLDR's default
// numbering system for it), with no grouping separator: 2026 is ২০২৬ in Bengali.
func Digits(lang string, n int) string {
	return printer(tagOf(lang)).Sprint(number.Decimal(n, number.NoSeparator()))
}
