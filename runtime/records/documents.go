package records

// Documents: the files a declaration attaches (a birth notification, the scan of an identity
// card). A user uploads a file and gets its id, the address of its content; a declaration's
// document answer names it, {"type": "national-id", "file": "sha256:..."}. Who may attach a
// document, or read it, follows from who uploaded it and which records reference it, so that
// an id is no key: knowing one gives nothing.

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// documentTypes are the files a document may be, by MIME type, with the file name extensions
// each is known by (the first is given to a name that has none of them). What scanners and
// phones make of paper, and what every registrar's computer opens.
var documentTypes = map[string][]string{
	"application/pdf": {".pdf"},
	"image/jpeg":      {".jpg", ".jpeg"},
	"image/png":       {".png"},
}

// DocumentTypes lists the MIME types a document may be, sorted.
func DocumentTypes() []string {
	var out []string
	for t := range documentTypes {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// documentID is the form of a document's id (see store.DocumentID).
var documentID = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// maxNameBytes bounds a document's file name: a name is a label, not a place to store text.
const maxNameBytes = 200

// MayAttach tells whether the actor's role may attach documents to declarations: whether it
// declares, or edits data (directly or by proposal), of some event. Other roles (a certificate
// clerk who only prints) upload nothing.
func (s *Service) MayAttach(actor *Actor) bool {
	for _, ev := range s.Model.Events {
		for id, a := range ev.Actions {
			if (a.Creating() || a.Edits != "") && actor.Role.Grants(ev.ID, id) {
				return true
			}
		}
	}
	return false
}

// SaveDocument checks an uploaded file and stores it as the actor's upload. Its type is what
// its content is, whatever the client said it was (http.DetectContentType, the sniffing
// algorithm of browsers): a file that is not a PDF, JPEG or PNG is refused (Unsupported), as
// is an empty file (BadRequest) or one over store.MaxDocumentSize (TooLarge). name is cleaned
// (see CleanName). created is false when the actor had uploaded the same bytes before: the
// document returned is that first upload.
func (s *Service) SaveDocument(ctx context.Context, actor *Actor, name string, data []byte) (doc *store.Document, created bool, err error) {
	if !s.MayAttach(actor) {
		return nil, false, refuse(Forbidden, "", "forbidden", "role %s declares and edits no records: it has no documents to attach", actor.User.Role)
	}
	if len(data) == 0 {
		return nil, false, refuse(BadRequest, "", "empty", "the file is empty")
	}
	if len(data) > store.MaxDocumentSize {
		return nil, false, refuse(TooLarge, "", "too-large", "a document is at most %d MiB", store.MaxDocumentSize>>20)
	}
	typ := SniffDocument(data)
	if typ == "" {
		found, _, _ := mime.ParseMediaType(http.DetectContentType(data))
		return nil, false, refuse(Unsupported, "", "unsupported-type", "the file is %s, not a document: send a PDF, JPEG or PNG file", found)
	}
	return s.Store.SaveDocument(ctx, &store.Document{User: actor.User.Username, Type: typ, Name: CleanName(name, typ), Data: data, Created: s.now()})
}

// SniffDocument is the MIME type of a document's content, or "" when it is not a type a
// document may be.
func SniffDocument(data []byte) string {
	t, _, err := mime.ParseMediaType(http.DetectContentType(data))
	if _, ok := documentTypes[t]; !ok || err != nil {
		return ""
	}
	return t
}

// CleanName makes the name a client gave a file safe to keep and to send back in a
// Content-Disposition: its last path element, in valid UTF-8 without control, formatting,
// private-use or unassigned characters (a right-to-left override turns "gpj.exe" around): a
// name the rules' text check (rules.CleanText) takes as one line of text; without the leading dots of a
// hidden file or the trailing dots and spaces Windows drops, at most maxNameBytes long, and
// ending in an extension of its type, so that a PDF named page.html is saved as
// page.html.pdf and opened as a PDF. A name left empty is "document" with the extension.
func CleanName(name, typ string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cn) || r == utf8.RuneError {
			return -1
		}
		if unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, name)
	name = strings.Trim(name, ". ")
	exts := documentTypes[typ]
	ext := strings.ToLower(path.Ext(name))
	if len(exts) > 0 && !slices.Contains(exts, ext) {
		ext = exts[0]
	} else {
		name = name[:len(name)-len(ext)] // put back below, after the name is cut
	}
	if len(name)+len(ext) > maxNameBytes {
		cut := maxNameBytes - len(ext)
		for cut > 0 && !utf8.RuneStart(name[cut]) {
			cut--
		}
		name = strings.TrimRight(name[:cut], ". ")
	}
	if strings.TrimSpace(name) == "" {
		name = "document"
	}
	return name + ext
}

// Document reads a document the actor may read: one they uploaded, or one that a record they
// may read references (its role reads the record's event, within its jurisdiction, as Get
// allows). Any other, stored or not, is NotFound: an id tells nothing of what exists.
//
// Its name is an upload's, never the content's: the actor's own when they uploaded it, else
// the one given by who attached it to the record through which the actor reads it (see
// attacher), else "document" with its type's extension. The same bytes uploaded by someone
// else, under a name of their own, never lend it theirs.
func (s *Service) Document(ctx context.Context, actor *Actor, id string) (*store.Document, error) {
	notFound := refuse(NotFound, "/id", "not-found", "no document %s", id)
	if !documentID.MatchString(id) {
		return nil, notFound
	}
	up, err := s.Store.DocumentUpload(ctx, id, actor.User.Username)
	switch {
	case errors.Is(err, store.ErrNotFound):
		r, err := s.readsDocument(ctx, actor, id)
		if err != nil {
			return nil, err
		}
		if r == nil {
			return nil, notFound
		}
		if up, err = s.attacher(ctx, r, id); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	}
	d, err := s.Store.Document(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	d.User, d.Name, d.Created = "", CleanName("", d.Type), time.Time{}
	if up != nil {
		d.User, d.Name, d.Created = up.User, up.Name, up.Created
	}
	return d, nil
}

// maxAttachers bounds the uploads attacher reads for a document of a record.
const maxAttachers = 8

// attacher is the upload of document id by whoever attached it to the record r: the users
// whose actions put it in the record's data (a change whose new value names it, the newest
// first), then the record's creator, whose declaration holds the documents it was declared
// with. The first of them who uploaded it gives its name; nil when none did (they attached a
// document they read through another record). r is as a search gives it, without its history,
// which is read.
func (s *Service) attacher(ctx context.Context, r *store.Record, id string) (*store.Document, error) {
	if full, err := s.Store.Record(ctx, r.ID); err == nil {
		r = full
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	var users []string
	for i := len(r.History) - 1; i >= 0; i-- {
		e := r.History[i]
		for _, c := range e.Changes {
			if strings.Contains(string(c.New), `"`+id+`"`) && !slices.Contains(users, e.User) {
				users = append(users, e.User)
			}
		}
	}
	if !slices.Contains(users, r.CreatedBy) {
		users = append(users, r.CreatedBy)
	}
	for i, u := range users {
		if i == maxAttachers {
			break
		}
		up, err := s.Store.DocumentUpload(ctx, id, u)
		if err == nil {
			return up, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	return nil, nil
}

// readsDocument is a record the actor may read that references the document, nil when there
// is none.
func (s *Service) readsDocument(ctx context.Context, actor *Actor, id string) (*store.Record, error) {
	q := store.Query{Document: id, Limit: 100}
	if !s.limit(actor, &q) {
		return nil, nil
	}
	for {
		p, err := s.Store.Search(ctx, q)
		if err != nil {
			return nil, err
		}
		for i, r := range p.Records {
			if actor.Role.Reads(r.Event) {
				return &p.Records[i], nil
			}
		}
		if p.Next == "" {
			return nil, nil
		}
		q.After = p.Next
	}
}

// checkDocuments refuses every document answer of data that names a document the actor may
// not attach: one they did not upload, and that no record they may read references. A client
// cannot attach someone else's document by guessing (or being told) its id. known are the
// documents of the record being changed, which the actor reads already: an answer kept, or a
// proposal applied, costs nothing. The other answers cost one read together when the actor
// uploaded their files, and a search for each file they did not.
func (s *Service) checkDocuments(ctx context.Context, actor *Actor, ev *Event, data map[string]any, known []string) error {
	files := map[string]string{} // field -> the file its answer names, when not known
	var ids []string
	for _, f := range ev.documentFields {
		ans, ok := data[f].(map[string]any)
		if !ok {
			continue
		}
		id, _ := ans["file"].(string) // its form is the payload schema's to check
		if slices.Contains(known, id) {
			continue
		}
		files[f] = id
		if documentID.MatchString(id) && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(files) == 0 {
		return nil
	}
	mine, err := s.Store.UploadedBy(ctx, actor.User.Username, ids)
	if err != nil {
		return err
	}
	may := map[string]bool{}
	for _, id := range ids {
		if may[id] = slices.Contains(mine, id); !may[id] {
			r, err := s.readsDocument(ctx, actor, id)
			if err != nil {
				return err
			}
			may[id] = r != nil
		}
	}
	out := &Error{Kind: Invalid}
	for _, f := range ev.documentFields {
		if id, checked := files[f]; checked && !may[id] {
			out.Details = append(out.Details, Detail{Path: "/data/" + f, Code: "unknown-document",
				Message: fmt.Sprintf("no document %s of yours: upload the file first (POST /api/v1/documents) and send the id it is given", id)})
		}
	}
	if len(out.Details) > 0 {
		return out
	}
	return nil
}

// documentsOf are the documents a declaration's answers name, sorted, each once.
func documentsOf(ev *Event, data map[string]any) []string {
	var out []string
	for _, f := range ev.documentFields {
		if ans, ok := data[f].(map[string]any); ok {
			if id, ok := ans["file"].(string); ok && documentID.MatchString(id) && !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	slices.Sort(out)
	return out
}

// withDocuments is a record's Documents with those of data added: a record keeps every
// document it ever referenced (its history shows them), and those a proposal brings, so that
// who reviews the proposal may read them.
func withDocuments(have []string, ev *Event, data map[string]any) []string {
	out := slices.Clone(have)
	for _, id := range documentsOf(ev, data) {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}
