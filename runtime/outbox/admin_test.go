package outbox

import (
	"testing"

	"github.com/crvsctl/crvsctl/runtime/store"
)

// RecordOf reads the record from the keys the messages of an action are made with, and none
// from the others.
func TestRecordOf(t *testing.T) {
	for key, want := range map[string]string{
		"B7K2M9Q4XZ/3/sms/0":                      "B7K2M9Q4XZ",
		"B7K2M9Q4XZ/1/webhook/https://h.example/": "B7K2M9Q4XZ",
		"B7K2M9Q4XZ/12/osia/sub1":                 "B7K2M9Q4XZ",
		"osia-confirm/sub1":                       "",
		"a/b/c":                                   "",
		"/1/sms/0":                                "",
		"plain":                                   "",
	} {
		if got := RecordOf(&store.OutboxMessage{Key: key}); got != want {
			t.Errorf("%q: %q, want %q", key, got, want)
		}
	}
}
