package auth

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// Proxies are the reverse proxies (load balancers) an operator puts in front of crvsctl,
// whose X-Forwarded-For is believed: crvsctl serve --trusted-proxy.
type Proxies []netip.Prefix

// ParseProxies reads proxies given as CIDR prefixes (10.0.0.0/8, fd00::/8) or single
// addresses (10.0.0.7).
func ParseProxies(list []string) (Proxies, error) {
	var out Proxies
	for _, s := range list {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		ip, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: not an address nor a CIDR prefix", s)
		}
		ip = ip.Unmap()
		out = append(out, netip.PrefixFrom(ip, ip.BitLen()))
	}
	return out, nil
}

func (p Proxies) trusts(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, pr := range p {
		if pr.Contains(ip) {
			return true
		}
	}
	return false
}

// hostIP reads the IP of "host:port", "[v6]:port" or a bare IP.
func hostIP(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	ip, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	if err != nil {
		return netip.Addr{}, false
	}
	return ip.Unmap(), true
}

// ClientAddr is the address of the client a request comes from, as login limits count it:
// the connection's (remoteAddr), unless it is one of the trusted proxies. Then the
// X-Forwarded-For values (forwardedFor, in the order of the headers) are read from right to
// left, each hop added by a proxy trusted being skipped; the first hop that is not a trusted
// proxy is the client. A client can write anything at the left of the header, but not the
// hops that trusted proxies appended after it. A hop that is not an address ends the reading:
// the last trusted proxy is taken for the client, as the one that reported nonsense. When
// every hop is trusted, the leftmost is the client.
func (p Proxies) ClientAddr(remoteAddr string, forwardedFor []string) string {
	peer, ok := hostIP(remoteAddr)
	if !ok || len(p) == 0 || !p.trusts(peer) {
		return remoteAddr
	}
	var hops []string
	for _, v := range forwardedFor {
		hops = append(hops, strings.Split(v, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		ip, ok := hostIP(hops[i])
		if !ok {
			break
		}
		client = ip
		if !p.trusts(ip) {
			break
		}
	}
	return client.String()
}

// ClientAddr is the address of the client of r, seen through the Authenticator's Proxies.
func (a *Authenticator) ClientAddr(r *http.Request) string {
	return a.Proxies.ClientAddr(r.RemoteAddr, r.Header.Values("X-Forwarded-For"))
}

// SameOrigin tells whether a request may have come from a page of this site, by its Origin: a
// browser says where a POST comes from, and one from another site is refused even before its
// CSRF token is looked at. Without an Origin (an old browser, a client that is no browser) it
// is left to the CSRF token; "null" (a sandboxed frame, a file) is refused.
func SameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return o == ""
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

// loginCSRFCookie holds a browser's CSRF token before it has a session: the login form, and
// the language form of pages shown without one, carry it too (a double-submit token). On
// HTTPS its name has the __Host- prefix, which a browser keeps only from this very host, over
// HTTPS, for the whole site: a neighbour subdomain or a man in the middle of plain HTTP
// cannot plant one of their choosing.
const loginCSRFCookie = "crvsctl_login"

func loginCSRFName(secure bool) string {
	if secure {
		return "__Host-" + loginCSRFCookie
	}
	return loginCSRFCookie
}

// PreSessionCSRF is the token a form shown to a browser without a session carries: the one
// its cookie holds, or a new one, then set in the cookie. secure says whether the request came
// over HTTPS (see api.Secure). Login CSRF (a site logging a victim into the attacker's
// account) is refused by CheckPreSessionCSRF, besides the Origin check.
func PreSessionCSRF(w http.ResponseWriter, r *http.Request, secure bool) string {
	name := loginCSRFName(secure)
	if c, err := r.Cookie(name); err == nil && len(c.Value) == tokenLen {
		return c.Value
	}
	token := randomToken()
	http.SetCookie(w, &http.Cookie{Name: name, Value: token, Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteStrictMode})
	return token
}

// CheckPreSessionCSRF tells whether given is the token of the request's pre-session cookie,
// in constant time.
func CheckPreSessionCSRF(r *http.Request, secure bool, given string) bool {
	c, err := r.Cookie(loginCSRFName(secure))
	return err == nil && len(c.Value) == tokenLen && subtleEqual(c.Value, given)
}

// addrKey is the part of a remote address ("host:port", as net/http gives it, or a bare IP)
// that failures are counted under: the IPv4 address, or the /64 prefix of an IPv6 address,
// since one IPv6 client commonly holds a whole /64 and could otherwise change address at
// each guess.
func addrKey(remoteAddr string) string {
	host := remoteAddr
	if h, _, err := net.SplitHostPort(remoteAddr); err == nil {
		host = h
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		// Not an IP (a Unix socket, a test): count it as it is, bounded.
		return host[:min(len(host), 64)]
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64) // cannot fail for an IPv6 address
		return p.String()
	}
	return ip.String()
}
