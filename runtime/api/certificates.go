package api

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/crvsctl/crvsctl/certificates/seal"
	"github.com/crvsctl/crvsctl/runtime/records"
)

// KeysPath is where the server publishes the public keys of its certificates' seals, as a
// keyring file (crvsctl verify --keys reads the same format): anyone can fetch it once and
// check certificates offline.
const KeysPath = "/.well-known/crvsctl/keys.json"

// print answers an action that prints with the certificate's PDF. What was printed is in the
// headers: the record's new version and the certificate's serial.
func (s *Server) print(w http.ResponseWriter, r *http.Request, c *caller, req actionRequest) {
	rec, pdf, err := s.Records.Print(r.Context(), c.actor, r.PathValue("id"), records.PrintRequest{Action: r.PathValue("action"),
		Version: req.Version, Template: req.Template, Language: req.Language, Copies: req.Copies})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, _ := records.PrintingOf(rec.History[len(rec.History)-1])
	w.Header().Set("X-Record-Version", strconv.FormatInt(rec.Version, 10))
	w.Header().Set("X-Certificate-Serial", p.Serial)
	WritePDF(w, p.Serial, pdf)
}

type printQueueRequest struct {
	Template string `json:"template,omitempty"`
	Language string `json:"language,omitempty"`
	Copies   int    `json:"copies,omitempty"`
	Limit    int    `json:"limit,omitempty"`
}

// printQueue prints the records waiting in a print queue into one PDF. The records printed
// and skipped are in the headers X-Printed and X-Skipped (tracking IDs, comma-separated).
func (s *Server) printQueue(w http.ResponseWriter, r *http.Request, c *caller) {
	var req printQueueRequest
	if err := decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	pdf, printed, skipped, err := s.Records.PrintQueue(r.Context(), c.actor, r.PathValue("event"),
		records.PrintRequest{Action: r.PathValue("action"), Template: req.Template, Language: req.Language, Copies: req.Copies}, req.Limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var ids, skippedIDs []string
	for _, rec := range printed {
		ids = append(ids, rec.ID)
	}
	for _, sk := range skipped {
		skippedIDs = append(skippedIDs, sk.ID)
		s.Log.Info("print queue: record skipped", "record", sk.ID, "reason", sk.Reason)
	}
	w.Header().Set("X-Printed", strings.Join(ids, ","))
	w.Header().Set("X-Skipped", strings.Join(skippedIDs, ","))
	WritePDF(w, fmt.Sprintf("%s-%s-%d", r.PathValue("event"), r.PathValue("action"), len(printed)), pdf)
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// WritePDF answers with a PDF the browser shows, named name.pdf (made safe) if saved.
func WritePDF(w http.ResponseWriter, name string, pdf []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", `inline; filename="`+unsafeFileChars.ReplaceAllString(name, "_")+`.pdf"`)
	h.Set("Content-Length", strconv.Itoa(len(pdf)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(pdf)
}

type verifyRequest struct {
	Seal string `json:"seal"`
}

// verifyResponse is what the register says of a seal: Valid with its Payload when its
// signature holds under a published key (else Code and Message say why, as crvsctl verify),
// and the Standing of the certificate in the register now.
type verifyResponse struct {
	Valid    bool              `json:"valid"`
	Code     string            `json:"code,omitempty"`
	Message  string            `json:"message,omitempty"`
	Payload  *seal.Payload     `json:"payload,omitempty"`
	Standing *records.Standing `json:"standing,omitempty"`
}

// verify checks a certificate's seal, for anyone: no login. The register is looked up only for
// a seal whose signature holds, so the endpoint tells nothing of records to someone without a
// genuine certificate.
func (s *Server) verify(w http.ResponseWriter, r *http.Request) {
	var req verifyRequest
	// Read before anyone is known: a seal is a few hundred bytes.
	if err := decodeAtMost(w, r, &req, 64<<10); err != nil {
		s.fail(w, r, err)
		return
	}
	if s.Keys == nil {
		writeError(w, http.StatusNotFound, "", "no-keys", "this server publishes no certificate keys")
		return
	}
	p, _, err := seal.Open(strings.TrimRight(req.Seal, "\r\n"), s.Keys)
	if err != nil {
		writeJSON(w, http.StatusOK, verifyResponse{Code: seal.Code(err), Message: err.Error()})
		return
	}
	st, err := s.Records.Standing(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, verifyResponse{Valid: true, Payload: &p, Standing: &st})
}

// keys publishes the keyring.
func (s *Server) keys(w http.ResponseWriter, r *http.Request) {
	if s.Keys == nil {
		writeError(w, http.StatusNotFound, "", "no-keys", "this server publishes no certificate keys")
		return
	}
	data, err := seal.MarshalKeyring(s.Keys.Keys()...)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("Access-Control-Allow-Origin", "*") // verifiers on other sites may fetch it
	w.Write(data)
}
