package api

import (
	"bytes"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/crvsctl/crvsctl/runtime/records"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// documentTimeout is how long the transfer of a document may take. The server's deadlines
// (60 s to read a request, 60 s to write an answer) suit a declaration; 10 MiB over the mobile
// link of a rural office (300 kbit/s) takes nearly five minutes. Only a user allowed to
// upload gets the longer deadline, once logged in.
const documentTimeout = 10 * time.Minute

// documentView is what an upload answers: what a declaration's document answer needs (the
// id) and what a page shows of the file.
type documentView struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Name string `json:"name"`
	Size int64  `json:"size"`
}

// uploadDocument stores a file: POST /api/v1/documents with the file's bytes as the body,
// Content-Type its type, ?name= its name.
//
// The body is the file itself, not multipart/form-data. A file is the one thing sent, and its
// name the one thing besides, which a query parameter carries: a form would wrap one part in
// boundaries and headers that the server must parse (and Go's parser spills large parts to
// temporary files) for nothing. Every client sends a raw body as easily: curl --data-binary
// @scan.pdf, or fetch(url, {method: "POST", body: file}) in a browser, which sets the file's
// Content-Type itself. Only an HTML form without JavaScript cannot; the pages' own handlers
// serve that case, not the API. The size is then known before anything is read
// (Content-Length), and the body is read once, straight into the bytes stored.
//
// Refusals: 413 when the body is over store.MaxDocumentSize (before it is read, when its
// Content-Length says so); 415 when the content is not a PDF, JPEG or PNG. 415 rather than
// 422: 422 says a request's content is understood but breaks a rule of the application (a
// declaration that breaks the form's rules, here); 415 is HTTP's word for "this format is
// not supported" and, per RFC 9110 (15.5.16), covers a format found by inspecting the
// content as well as one the Content-Type names. The type stored is the content's, whatever
// the Content-Type says: a client's type comes from a file name, often wrong (a JPEG saved as
// .png), and the content is what a reader's program will open.
func (s *Server) uploadDocument(w http.ResponseWriter, r *http.Request, c *caller) {
	if !s.Records.MayAttach(c.actor) {
		writeError(w, http.StatusForbidden, "", "forbidden", "role "+c.actor.User.Role+" declares and edits no records: it has no documents to attach")
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" || mt == "application/x-www-form-urlencoded" {
		writeError(w, http.StatusUnsupportedMediaType, "", "unsupported-type",
			"send the file itself as the body, with its type as Content-Type and ?name= its name, not a form")
		return
	}
	if r.ContentLength > store.MaxDocumentSize {
		s.fail(w, r, tooLargeDocument())
		return
	}
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Now().Add(documentTimeout)) // where the server has none, nothing to do
	var body bytes.Buffer
	if r.ContentLength > 0 {
		body.Grow(int(r.ContentLength) + bytes.MinRead) // read without growing
	}
	_, err := body.ReadFrom(http.MaxBytesReader(w, r.Body, store.MaxDocumentSize))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		s.fail(w, r, tooLargeDocument())
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "", "malformed", "cannot read the request body")
		return
	}
	d, created, err := s.Records.SaveDocument(r.Context(), c.actor, r.URL.Query().Get("name"), body.Bytes())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK // the user's file, uploaded before: the same document
	}
	w.Header().Set("Location", "/api/v1/documents/"+url.PathEscape(d.ID))
	writeJSON(w, status, documentView{ID: d.ID, Type: d.Type, Name: d.Name, Size: d.Size})
}

func tooLargeDocument() error {
	return &records.Error{Kind: records.TooLarge, Details: []records.Detail{{Code: "too-large",
		Message: "a document is at most " + strconv.Itoa(store.MaxDocumentSize>>20) + " MiB"}}}
}

// document sends a document back to its uploader, or to a user who may read a record that
// references it; to anyone else it does not exist (404). It is sent as an attachment, of the
// type found in its content and nosniff, with a sandbox for a browser that shows it anyway:
// a file a user uploaded is never a page of this site.
func (s *Server) document(w http.ResponseWriter, r *http.Request, c *caller) {
	d, err := s.Records.Document(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", d.Type)
	disposition := mime.FormatMediaType("attachment", map[string]string{"filename": d.Name})
	if disposition == "" {
		disposition = "attachment"
	}
	h.Set("Content-Disposition", disposition)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	// Kept by no cache: who may read it is decided per user, and the scan of an identity card
	// must not stay on the disk of a shared office computer. The ETag is the content's
	// address: a client that kept the bytes itself is told they are the same (304).
	h.Set("Cache-Control", "private, no-store")
	h.Set("ETag", `"`+d.ID+`"`)
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(documentTimeout))
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(d.Data))
}
