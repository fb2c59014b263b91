package store

import (
	"errors"
	"time"
)

// Subscription is a subscription of OSIA's Notification interface (runtime/osia): a user's
// request that the messages of a topic be sent to an address. Subscribing is idempotent: an
// owner has at most one subscription per topic, protocol and address.
type Subscription struct {
	ID       string
	Owner    string // the username of the subscriber
	Topic    string
	Protocol string
	Address  string
	Policy   string
	// Token confirms the subscription; Active once it has.
	Token   string
	Active  bool
	Created time.Time
}

// SubscriptionQuery selects subscriptions: an owner's (Owner), or the active ones of a
// topic (Topic, ActiveOnly), or both.
type SubscriptionQuery struct {
	Owner      string
	Topic      string
	ActiveOnly bool
}

// MaxSubscriptions is the most subscriptions one owner keeps: AddSubscription refuses more
// with ErrTooMany.
const MaxSubscriptions = 100

// ErrTooManySubscriptions: an owner who keeps MaxSubscriptions subscriptions adds another.
var ErrTooManySubscriptions = errors.New("too many subscriptions")
