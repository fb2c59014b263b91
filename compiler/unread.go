package compiler

import (
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// CodeUnread is a file of the package folder that nothing reads.
const CodeUnread = "unread-file"

// unreadFiles warns about every file of the package folder that nothing reads — a .cue file in
// a subfolder (only the top folder's are the package), a sheet or image named nowhere — except
// those the package lists in ignore, and hidden files (.git, .gitignore). Run last: the
// certificates' files are known once they are checked.
func (c *checker) unreadFiles() {
	read := map[string]bool{}
	for _, s := range []sheet{c.pkg.Places.Areas.sheet, c.pkg.Places.Offices.sheet, c.pkg.Users.sheet, c.pkg.Translations} {
		read[path.Clean(s.File)] = true
	}
	if st := c.pkg.Statistics; st != nil {
		read[path.Clean(st.Population.File)] = true
	}
	for name := range c.files {
		read[path.Clean(name)] = true
	}
	for name := range c.fonts {
		read[path.Clean(name)] = true
	}
	matched := make([]bool, len(c.pkg.Ignore))
	for i, pat := range c.pkg.Ignore {
		if _, err := path.Match(pat, ""); err != nil {
			c.l.Errorf(c.pos("ignore", i), CodeInvalid, "use * and ? for any characters, [abc] for one of them", "ignore pattern %q is not a pattern: %v", pat, err)
			matched[i] = true
		}
	}
	ignored := func(rel string) bool {
		hit := false
		for i, pat := range c.pkg.Ignore {
			// The file, or a folder it is in.
			for p := rel; p != "." && p != "/"; p = path.Dir(p) {
				if ok, _ := path.Match(path.Clean(pat), p); ok {
					matched[i], hit = true, true
					break
				}
			}
		}
		return hit
	}
	var unread []string
	_ = filepath.WalkDir(c.src.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == c.src.dir {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(c.src.dir, p)
		if err != nil || d.IsDir() {
			return nil
		}
		rel = filepath.ToSlash(rel)
		switch {
		case !strings.Contains(rel, "/") && strings.HasSuffix(rel, ".cue"):
		case strings.HasPrefix(rel, "tests/") && strings.Count(rel, "/") == 1 && strings.HasSuffix(rel, ".cue"): // crvsctl test's
		case read[rel]:
		default:
			if !ignored(rel) {
				unread = append(unread, rel)
			}
		}
		return nil
	})
	slices.Sort(unread)
	for _, rel := range unread {
		pos := c.pos()
		pos.File, pos.Line, pos.Column, pos.Sheet = filepath.Join(c.src.dir, filepath.FromSlash(rel)), 0, 0, ""
		if strings.HasSuffix(rel, ".cue") {
			c.l.Warnf(pos, CodeUnread, "move it to the package's top folder to make it part of the package, or list it in ignore",
				"this .cue file is not read: a package is the .cue files of its top folder (and tests/ holds crvsctl test's)")
			continue
		}
		c.l.Warnf(pos, CodeUnread, `name it where it is used (a sheet's file, a certificate's image or font), or list it in ignore: ["`+rel+`"]`,
			"nothing in the package reads this file")
	}
	for i, pat := range c.pkg.Ignore {
		if !matched[i] {
			c.l.Warnf(c.pos("ignore", i), CodeUnused, "", "ignore pattern %q matches no file of the package", pat)
		}
	}
}
