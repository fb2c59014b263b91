package web_test

import (
	"net/url"
	"regexp"
	"testing"
)

var temporaryShown = regexp.MustCompile(`<code class="temporary">([^<]+)</code>`)

// TestUserAdministrationPages: a district registrar creates a clerk of their district, sees them
// in the list, moves them and deactivates them; the new clerk's first login leads to the change
// of password before anything else; a user who administers nobody is refused the pages.
func TestUserAdministrationPages(t *testing.T) {
	s := newSite(t)
	admin := s.login("fenna.albrecq", "en")
	admin.has(`href="/users"`)
	admin.get("/users/new")
	admin.has("New user", `value="CR010102"`)
	admin.lacks(`value="CR0203"`, `value="national-registrar"`) // another district; a role not theirs
	admin.post("/users/new", url.Values{"csrf": {admin.csrf()}, "username": {"Bad Name"}, "name": {"New Clerk"},
		"role": {"hospital-clerk"}, "office": {"HF001"}})
	if admin.status != 422 {
		t.Errorf("an invalid username: %d", admin.status)
	}
	admin.has("lower-case letters and digits")
	admin.post("/users/new", url.Values{"csrf": {admin.csrf()}, "username": {"new.clerk"}, "name": {"New Clerk"},
		"role": {"hospital-clerk"}, "office": {"HF001"}, "phone": {"+999 911 222 333"}})
	m := temporaryShown.FindStringSubmatch(admin.page)
	if admin.status != 201 || m == nil {
		t.Fatalf("create: %d\n%s", admin.status, admin.page)
	}
	temp := m[1]
	admin.get("/users?q=new")
	admin.has("new.clerk", "New Clerk")
	admin.lacks("tomas.ekwaro")

	clerk := s.browser("en")
	clerk.get("/login")
	clerk.post("/login", url.Values{"username": {"new.clerk"}, "password": {temp}, "next": {"/work"}, "csrf": {clerk.csrf()}})
	if clerk.at != s.url+"/password" {
		t.Errorf("the first login leads to %s, not the change of password", clerk.at)
	}
	clerk.has("An administrator reset your password")
	clerk.get("/search")
	if clerk.at != s.url+"/password" {
		t.Errorf("before changing the password, /search leads to %s", clerk.at)
	}
	clerk.post("/password", url.Values{"csrf": {clerk.csrf()}, "current": {temp}, "new": {"password1"}, "confirm": {"password1"}})
	clerk.has("too common")
	clerk.post("/password", url.Values{"csrf": {clerk.csrf()}, "current": {temp}, "new": {"tea by the river bank"}, "confirm": {"tea by the river bank"}})
	if clerk.at != s.url+"/work" {
		t.Fatalf("after the change: at %s (%d)\n%s", clerk.at, clerk.status, clerk.page)
	}
	clerk.has("Your password is changed.")

	admin.get("/users/new.clerk")
	admin.post("/users/new.clerk", url.Values{"csrf": {admin.csrf()}, "op": {"move"}, "version": {"2"}, "office": {"CR0203"}})
	if admin.status != 403 {
		t.Errorf("a move to another district: %d", admin.status)
	}
	admin.get("/users/new.clerk")
	admin.post("/users/new.clerk", url.Values{"csrf": {admin.csrf()}, "op": {"deactivate"}, "version": {"2"}})
	admin.has("Saved.", "Deactivated")
	clerk.get("/work")
	if clerk.at == s.url+"/work" {
		t.Error("a deactivated user still reaches /work")
	}

	other := s.login("lidya.verhane", "en")
	other.lacks(`href="/users"`)
	other.get("/users")
	if other.status != 403 {
		t.Errorf("/users for a local registrar: %d", other.status)
	}
}
