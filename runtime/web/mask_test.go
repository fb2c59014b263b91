package web

import "testing"

// The outbox page shows receivers masked: enough to tell messages apart and see what fails,
// never enough to reach an informant or to use a subscriber's token.
func TestMaskReceiver(t *testing.T) {
	for _, tt := range []struct{ kind, target, want string }{
		{"email", "nadia.ferrow@registry.nerovia.example", "n•••@registry.nerovia.example"},
		{"email", "élise@mail.example", "é•••@mail.example"},
		{"email", "a@b@mail.example", "a•••@mail.example"},
		{"email", "no-at-sign", "•••"},
		{"email", "@mail.example", "•••"},
		{"sms", "+999927340851", "+999•••••••51"},
		{"sms", "+251911234567", "+251•••••••67"},
		{"sms", "+12345", "•••"},
		{"webhook", "https://hooks.example.org/in/s3cr3t?sig=abc", "https://hooks.example.org/…"},
		{"webhook", "https://user:pass@hooks.example.org", "https://hooks.example.org"},
		{"webhook", "https://hooks.example.org/", "https://hooks.example.org"},
		{"webhook", "https://hooks.example.org/?token=x", "https://hooks.example.org/…"},
		{"webhook", "not a url", "•••"},
		{"osia", "https://osia.example.org/notify", "https://osia.example.org/…"},
		{"fax", "https://other.example.org/x", "https://other.example.org/…"},
		{"fax", "someone@mail.example", "s•••@mail.example"},
		{"fax", "+999927340851", "+999•••••••51"},
		{"sms", "", ""},
	} {
		if got := maskReceiver(tt.kind, tt.target); got != tt.want {
			t.Errorf("%s %q: %q, want %q", tt.kind, tt.target, got, tt.want)
		}
	}
}
