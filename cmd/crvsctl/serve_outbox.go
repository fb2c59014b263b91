package main

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/crvsctl/crvsctl/runtime/outbox"
	"github.com/crvsctl/crvsctl/runtime/server"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// outboxFlags are serve's flags of the outbox: webhook subscribers and the transports of
// notifications, with their credentials (never in the package).
type outboxFlags struct {
	webhooks   []string
	smtp       string
	smsURL     string
	smsTmpl    string
	smsHeaders []string
	instance   string
	lease      time.Duration
}

func (f *outboxFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringArrayVar(&f.webhooks, "webhook", nil, "a webhook subscriber: URL,whsec_<base64 secret>[,action...] (no actions: all; repeatable)")
	fl.StringVar(&f.smtp, "smtp", "", "send email notifications through host:port,from[,user,password] (or $CRVSCTL_SMTP, which ps does not show)")
	fl.StringVar(&f.smsURL, "sms-url", "", "send SMS notifications by POSTing to this HTTP gateway")
	fl.StringVar(&f.smsTmpl, "sms-template", "", "the gateway's JSON request, with {{to}}, {{body}}, {{id}}, {{language}} (default "+outbox.DefaultSMSTemplate+")")
	fl.StringArrayVar(&f.smsHeaders, "sms-header", nil, "a header of the gateway's requests, \"Name: value\" (repeatable; or $CRVSCTL_SMS_HEADER for one secret)")
	fl.DurationVar(&f.lease, "outbox-lease", outbox.DefaultLease, "how long a server holds a message it sends: after a crash, its messages are sent again once this has passed")
	fl.StringVar(&f.instance, "instance", "", "this server's name in the outbox's leases, unique among the servers of one store (default: host name and a random suffix)")
}

// apply gives srv its outbox; every action then enqueues its webhooks and the package's
// notifications, and the server delivers them.
func (f *outboxFlags) apply(srv *server.Server, log *slog.Logger) error {
	o := server.Outbox{Instance: f.instance, Lease: f.lease, Transports: map[string]outbox.Transport{}}
	for _, w := range f.webhooks {
		s, err := outbox.ParseSubscriber(w)
		if err != nil {
			return err
		}
		o.Webhooks = append(o.Webhooks, s)
	}
	smtp := f.smtp
	if smtp == "" {
		smtp = os.Getenv("CRVSCTL_SMTP")
	}
	if smtp != "" {
		m, err := outbox.ParseSMTP(smtp)
		if err != nil {
			return err
		}
		o.Transports[store.OutboxEmail] = m
	}
	if f.smsURL != "" {
		headers := f.smsHeaders
		if h := os.Getenv("CRVSCTL_SMS_HEADER"); h != "" {
			headers = append(headers, h)
		}
		g, err := outbox.ParseSMSGateway(f.smsURL, f.smsTmpl, headers)
		if err != nil {
			return err
		}
		o.Transports[store.OutboxSMS] = g
	}
	for _, ev := range srv.Model.Bundle.Events {
		for action, ns := range ev.Notifications {
			for _, n := range ns {
				kind := map[string]string{"email": store.OutboxEmail, "sms": store.OutboxSMS}[n.Channel]
				if o.Transports[kind] == nil {
					log.Warn(fmt.Sprintf("the package sends %s notifications, but no transport is given (--smtp, --sms-url): they wait in the outbox, then are parked", n.Channel),
						"event", ev.ID, "action", action)
				}
			}
		}
	}
	srv.UseOutbox(o)
	return nil
}
