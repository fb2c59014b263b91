package server

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/crvsctl/crvsctl/runtime/api"
	"github.com/crvsctl/crvsctl/runtime/hooks"
)

// UseHooks gives the package's action hooks their systems (crvsctl serve --hook), and the
// address systems outside reach this server at (publicURL, such as https://crvs.example.gov;
// "": calls carry no callback address, and a system posts its results to
// api.HookResultPath on the address it knows). It refuses systems that leave a hook of the
// bundle served without one, naming each, so that a server never starts to refuse every
// registration; it refuses a system given twice and one no hook calls.
func (s *Server) UseHooks(systems []*hooks.System, publicURL string) error {
	byName := map[string]*hooks.System{}
	for _, sys := range systems {
		if byName[sys.Name] != nil {
			return fmt.Errorf("--hook %s is given twice", sys.Name)
		}
		byName[sys.Name] = sys
	}
	var missing []string
	called := map[string]bool{}
	for _, ev := range s.Model.Bundle.Events {
		for _, action := range slices.Sorted(maps.Keys(ev.Hooks)) {
			h := ev.Hooks[action]
			called[h.System] = true
			if byName[h.System] == nil {
				missing = append(missing, fmt.Sprintf("%s's %s calls %s", ev.ID, action, h.System))
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the package's action hooks need their systems: %s; give each with --hook NAME=URL,whsec_<secret>", strings.Join(missing, "; "))
	}
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		if len(called) == 0 {
			return fmt.Errorf("--hook %s: the package has no action hooks to call it", name)
		}
		if !called[name] {
			return fmt.Errorf("--hook %s: no action of the package calls a system of that name (it names %s)", name, strings.Join(slices.Sorted(maps.Keys(called)), ", "))
		}
	}
	s.records.Systems = byName
	if publicURL != "" {
		if u, err := url.Parse(publicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--public-url %q: want the http or https address systems reach this server at", publicURL)
		}
		base := strings.TrimSuffix(publicURL, "/")
		s.records.CallbackURL = func(system string) string {
			return base + strings.Replace(api.HookResultPath, "{system}", system, 1)
		}
	}
	return nil
}
