package outbox

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Rejected is a receiver's answer that refuses one message — a 4xx other than 408 (it timed
// out) and 429 (too many): the receiver is up and the message failed. Transports return it so
// that a message a receiver will never take (a poison message) fails and is parked in its turn
// without holding the receiver's other messages back.
type Rejected struct {
	Receiver string
	Status   string // "400 Bad Request"
	Body     string // the start of the answer
}

func (r *Rejected) Error() string {
	return strings.TrimSpace(fmt.Sprintf("%s answered %s: %s", r.Receiver, r.Status, r.Body))
}

// Deliver sends req, a message to receiver, with client, and reads the answer as the outbox
// does: nil for a 2xx (delivered); a *Rejected when the answer refuses the message (see
// Rejected); else an error that opens the receiver's breaker. Every transport over HTTP (the
// webhooks, the SMS gateway, OSIA's notifications) goes through it, so that they read an
// answer alike. Of the answer it keeps the first 200 bytes, for the error, and reads at most
// 64 KiB more, so that the connection can be used again without a large answer holding it.
func Deliver(client *http.Client, req *http.Request, receiver string) error {
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	code := resp.StatusCode
	if code/100 == 2 {
		return nil
	}
	r := &Rejected{Receiver: receiver, Status: resp.Status, Body: strings.TrimSpace(string(snippet))}
	if code >= 400 && code < 500 && code != http.StatusRequestTimeout && code != http.StatusTooManyRequests {
		return r
	}
	return errors.New(r.Error())
}
