package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/crvsctl/crvsctl/bundle"
	"github.com/crvsctl/crvsctl/certificates/seal"
	"github.com/crvsctl/crvsctl/compiler"
	"github.com/crvsctl/crvsctl/runtime/api"
	"github.com/crvsctl/crvsctl/runtime/auth"
	"github.com/crvsctl/crvsctl/runtime/hooks"
	"github.com/crvsctl/crvsctl/runtime/server"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// storeFlags are the flags that choose the store, shared by serve and users.
type storeFlags struct{ data, mongo string }

func (f *storeFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.data, "data", "crvsctl-data", "the directory of the embedded store")
	cmd.Flags().StringVar(&f.mongo, "mongodb", "", "a MongoDB URI (mongodb://host/...): use MongoDB instead of the embedded store")
}

// loadBundle builds a package directory, or reads and checks a bundle file; data is the
// bundle as written (what the store keeps).
func loadBundle(cmd *cobra.Command, path string) (b *bundle.Bundle, data []byte, err error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		b, diags := compiler.Build(path)
		if err := diags.WriteText(cmd.ErrOrStderr()); err != nil {
			return nil, nil, err
		}
		if b == nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "crvsctl: %s has errors: fix them first\n", path)
			return nil, nil, exitCode(exitProblems)
		}
		// Encoded once so that the bundle served has its hash, as a bundle file would.
		data, err := b.Encode()
		return b, data, err
	}
	if b, err = server.LoadBundle(path); err != nil {
		return nil, nil, err
	}
	data, err = os.ReadFile(path)
	return b, data, err
}

func newServeCommand() *cobra.Command {
	var addr, devPassword, signingKey, auditKey string
	var allow []string
	var downgrade bool
	var keyFiles, trusted, hookSystems []string
	var publicURL string
	var sf storeFlags
	var of outboxFlags
	cmd := &cobra.Command{
		Use:   "serve PACKAGE_DIR | bundle.json",
		Short: "Serve a country package or bundle as a civil registration system",
		Long: `serve builds the country package (refusing to start if it has errors) or reads the
bundle file (checked against schema/bundle.schema.json and its hash), opens the store — the
embedded one in --data, or MongoDB with --mongodb — and serves the API on --addr.

Users are seeded from the package's users sheet into the store at each start; once an
administrator has changed a user, the store's record of them wins over the sheet (see the
README). Passwords never come from the package: set one with crvsctl users set-password, or, for
a demonstration, --dev-password gives every user without a password that one.

Certificates' QR codes are signed with --signing-key, a private key file of crvsctl keys
generate: it is never in the package nor the bundle. Its public key, and those of --keys (older
keys, for certificates they signed), are published at ` + api.KeysPath + ` for anyone
checking certificates; /verify checks one in the browser. Without --signing-key, certificates
with a QR code are not printed.

The audit log's head is signed with --audit-key (another key of crvsctl keys generate, whose
public half crvsctl audit verify is given) every 1,000 entries or 5 minutes, and at shutdown.

Behind a reverse proxy or load balancer, name it with --trusted-proxy (an address or a CIDR
prefix, repeatable): login limits then count each client under the address it forwards in
X-Forwarded-For, read from the right and past trusted proxies only. From any other peer,
X-Forwarded-For is ignored.

Each action enqueues, in its own write, a webhook for each --webhook subscriber that hears of it
(signed as Standard Webhooks say) and the notifications the package declares (sent by --smtp
and --sms-url). Delivery is at least once, retried with backoff, and a message that fails too
often is parked for an administrator (the Outbox page, GET /api/v1/outbox). Servers sharing a
store share the outbox: each message is sent by one.

An action the package gives a hook calls a system outside before it completes (a national ID
system issuing an identity number at registration): --hook NAME=URL,whsec_<secret> says where
each system the package names is, and the secret that signs the calls and the results it posts
back. serve refuses to start while a hook's system is not given. --public-url is the address
systems reach this server at, sent with each call for the results of those that answer 202.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			log := slog.New(slog.NewJSONHandler(cmd.ErrOrStderr(), nil))
			if err := checkRules(allow); err != nil {
				return err
			}
			b, data, err := loadBundle(cmd, args[0])
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			st, err := server.OpenStore(ctx, sf.data, sf.mongo)
			if err != nil {
				return fmt.Errorf("opening the store: %w", err)
			}
			defer st.Close()
			// The store keeps every bundle served, and refuses one that would strand its records.
			others, err := server.Admit(ctx, st, b, data, server.Admission{Allow: allow, Downgrade: downgrade, Now: time.Now()})
			if err != nil {
				return err
			}
			for _, c := range others {
				log.Warn("a change of the package breaks what records of the last version hold", "rule", c.Rule, "change", c.Message, "fix", c.Fix)
			}
			if devPassword != "" {
				n, err := server.SeedPasswords(ctx, st, b, devPassword)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "WARNING: --dev-password gave %d users the password %q. Never do this with real data.\n", n, devPassword)
			}
			sign, err := readSigning(signingKey, keyFiles)
			if err != nil {
				return err
			}
			proxies, err := auth.ParseProxies(trusted)
			if err != nil {
				return usageError{err}
			}
			srv, err := server.New(b, st, log, sign)
			if err != nil {
				return err
			}
			srv.TrustProxies(proxies)
			if err := of.apply(srv, log); err != nil {
				return usageError{err}
			}
			var systems []*hooks.System
			for _, h := range hookSystems {
				sys, err := hooks.ParseSystem(h)
				if err != nil {
					return usageError{err}
				}
				systems = append(systems, sys)
			}
			if err := srv.UseHooks(systems, publicURL); err != nil {
				return usageError{err}
			}
			if auditKey != "" {
				k, err := seal.ReadPrivateKey(auditKey)
				if err != nil {
					return usageError{err}
				}
				srv.SignAudit(k)
			} else {
				log.Warn("no --audit-key: the audit log is chained but no checkpoint is signed")
			}
			l, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "crvsctl serving %s %s (%s) on http://%s/\n", b.Country.Code, b.Version, b.Hash, l.Addr())
			if devPassword != "" {
				if users := demoUsers(b); users != "" {
					fmt.Fprintf(cmd.OutOrStdout(), "log in with the password given to --dev-password as any user of the bundle, such as %s\n", users)
				}
			}
			return srv.Serve(ctx, l)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "the address to listen on")
	cmd.Flags().StringVar(&devPassword, "dev-password", "", "give every user without a password this one (demonstrations and tests only)")
	cmd.Flags().StringVar(&signingKey, "signing-key", "", "the private key file that signs certificates' QR codes (crvsctl keys generate)")
	cmd.Flags().StringArrayVar(&keyFiles, "keys", nil, "a public key file to publish besides the signing key's (repeatable)")
	cmd.Flags().StringVar(&auditKey, "audit-key", "", "the private key file that signs the audit log's checkpoints (crvsctl keys generate; keep it apart from the store)")
	cmd.Flags().StringSliceVar(&allow, "allow", nil, "serve the changes of these crvsctl diff rules even where records would be stranded (comma-separated)")
	cmd.Flags().BoolVar(&downgrade, "downgrade", false, "serve a bundle older than the newest this store has served")
	cmd.Flags().StringArrayVar(&trusted, "trusted-proxy", nil, "a reverse proxy (address or CIDR) whose X-Forwarded-For names the client (repeatable)")
	cmd.Flags().StringArrayVar(&hookSystems, "hook", nil, "a system the package's action hooks call: NAME=URL,whsec_<base64 secret> (repeatable)")
	cmd.Flags().StringVar(&publicURL, "public-url", "", "the address systems outside reach this server at (https://crvs.example.gov), for the results of action hooks")
	sf.add(cmd)
	of.add(cmd)
	return cmd
}

// readSigning reads the signing key and the public keys to publish.
func readSigning(privatePath string, publicPaths []string) (server.Signing, error) {
	var sign server.Signing
	if privatePath != "" {
		k, err := seal.ReadPrivateKey(privatePath)
		if err != nil {
			return sign, usageError{err}
		}
		sign.Key = k
	}
	if len(publicPaths) > 0 {
		ring, err := seal.ReadKeyring(publicPaths...)
		if err != nil {
			return sign, usageError{err}
		}
		sign.Keys = ring.Keys()
	}
	return sign, nil
}

func newUsersCommand() *cobra.Command {
	users := &cobra.Command{Use: "users", Short: "Set users' passwords and list the users in the store",
		Long: `Users live in the store: crvsctl serve seeds them from the package's users sheet at each start,
and administrators (roles the package lets administer users) create and change them in the
pages and the API. Once an administrator has changed a user, the store's record of them wins
over the sheet.`}
	var sf storeFlags
	setPassword := &cobra.Command{
		Use:   "set-password PACKAGE_DIR|bundle.json USER",
		Short: "Set a user's password (asked for, or read from standard input)",
		Long: `set-password sets the password of a user of the bundle's users sheet, or of one an administrator
created. It follows the rules of NIST SP 800-63B: at least 8 characters (any, spaces welcome),
at most 256, no composition rules, not a common password, nor the username or the country's
name.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, _, err := loadBundle(cmd, args[0])
			if err != nil {
				return err
			}
			st, err := server.OpenStore(cmd.Context(), sf.data, sf.mongo)
			if err != nil {
				return err
			}
			defer st.Close()
			found := false
			context := []string{args[1], "crvsctl", b.Country.Code}
			for _, u := range b.Users {
				if u.Username == args[1] {
					found = true
					context = append(context, strings.Fields(u.Name)...)
				}
			}
			if u, err := st.User(cmd.Context(), args[1]); err == nil {
				found = true
				context = append(context, strings.Fields(u.Name)...)
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if !found {
				return usageError{fmt.Errorf("%s is not a user of the bundle nor of the store", args[1])}
			}
			pw, err := readPassword(cmd)
			if err != nil {
				return err
			}
			if err := auth.CheckPasswordRules(pw, context...); err != nil {
				return usageError{err}
			}
			hash, err := auth.HashPassword(pw)
			if err != nil {
				return err
			}
			if err := st.SetPassword(cmd.Context(), args[1], hash); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "password of %s set\n", args[1])
			return nil
		},
	}
	sf.add(setPassword)
	var lf storeFlags
	list := &cobra.Command{
		Use:   "list",
		Short: "List the users in the store: role, office, whether active, and who keeps them (the sheet or administrators)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := server.OpenStore(cmd.Context(), lf.data, lf.mongo)
			if err != nil {
				return err
			}
			defer st.Close()
			all, err := st.Users(cmd.Context())
			if err != nil {
				return err
			}
			if len(all) == 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), "no users in the store yet: crvsctl serve seeds them from the package's users sheet")
				return nil
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "USERNAME\tROLE\tOFFICE\tSTATUS\tKEPT BY")
			for _, u := range all {
				status := "active"
				if !u.Active {
					status = "deactivated"
				}
				if u.MustChangePassword {
					status += ", must change password"
				}
				kept := "users sheet"
				if u.Administered {
					kept = "administrators"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", u.Username, u.Role, u.Office, status, kept)
			}
			return w.Flush()
		},
	}
	lf.add(list)
	users.AddCommand(setPassword, list, newResetSecondFactorCommand())
	return users
}

// readPassword asks twice on a terminal, or reads one line from standard input.
func readPassword(cmd *cobra.Command) (string, error) {
	in := cmd.InOrStdin()
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(cmd.ErrOrStderr(), "Password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(cmd.ErrOrStderr())
		if err != nil {
			return "", err
		}
		fmt.Fprint(cmd.ErrOrStderr(), "Again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(cmd.ErrOrStderr())
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", usageError{fmt.Errorf("the two passwords differ")}
		}
		return string(a), nil
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// demoUsers names, for a demonstration, one user of each role (in the bundle's order of
// roles): the one of the first office, in the bundle's order, that has one. Offices' codes
// usually follow the areas, so these often work on the same records; in the example country
// they are those the README names.
func demoUsers(b *bundle.Bundle) string {
	rank := map[string]int{}
	for i, o := range b.Offices {
		rank[o.Code] = i
	}
	best := map[string]bundle.User{}
	for _, u := range b.Users {
		cur, ok := best[u.Role]
		if !ok || rank[u.Office] < rank[cur.Office] || rank[u.Office] == rank[cur.Office] && u.Username < cur.Username {
			best[u.Role] = u
		}
	}
	var out []string
	for _, r := range b.Roles {
		if u, ok := best[r.ID]; ok {
			out = append(out, fmt.Sprintf("%s (%s)", u.Username, r.ID))
		}
	}
	return strings.Join(out, ", ")
}
