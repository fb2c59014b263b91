package dupgen

import (
	"strings"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// The documents generated declarations attach: the form requires some (a birth notification
// for a birth in a facility, the mother's identity document, the medical certificate of a
// certified death...), and a document answer names an uploaded file by the address of its
// content. These are small placeholder files, one per kind of document, that a client uploads
// as the declaring user before declaring (Documents), as runtime/records' tests do with theirs.

// documentFiles are the files of each kind of document, by file name.
var documentFiles = map[string]string{
	"birth-notification":   "birth-notification.pdf",
	"marriage-certificate": "marriage-certificate.pdf",
	"health-card":          "health-card.pdf",
	"medical-certificate":  "medical-certificate.pdf",
	"police-report":        "police-report.pdf",
	"national-id":          "national-id.jpg",
	"passport":             "passport.jpg",
}

// placeholder is the content of a placeholder file: a PDF or a JPEG as its name says, which
// is what the runtime sniffs.
func placeholder(file string) []byte {
	if strings.HasSuffix(file, ".pdf") {
		return []byte("%PDF-1.4\n% crvsctl dupgen placeholder: " + file + "\n%%EOF\n")
	}
	return []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00crvsctl dupgen placeholder: " + file + "\xff\xd9")
}

var documentIDs = func() map[string]string {
	m := map[string]string{}
	for kind, file := range documentFiles {
		m[kind] = store.DocumentID(placeholder(file))
	}
	return m
}()

// Documents are the files the generated declarations attach, by file name. A client uploads
// them as the user who declares (POST /api/v1/documents, or records.Service.SaveDocument)
// before it declares: an answer names a document its user uploaded.
func Documents() map[string][]byte {
	out := map[string][]byte{}
	for _, file := range documentFiles {
		out[file] = placeholder(file)
	}
	return out
}

// docAnswer is the answer of a document field: the placeholder of a kind of document.
func docAnswer(kind string) map[string]any {
	id, ok := documentIDs[kind]
	if !ok {
		panic("dupgen: no document of kind " + kind)
	}
	return map[string]any{"type": kind, "file": id}
}
