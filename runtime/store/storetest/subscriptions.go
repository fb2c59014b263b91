package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
)

func init() {
	extraCases = append(extraCases, struct {
		name string
		fn   func(*testing.T, store.Store)
	}{"Subscriptions", testSubscriptions})
}

// Subscriptions (OSIA's): kept whole, once per owner, topic, protocol and address; listed
// by owner or by active topic; confirmed and deleted by their owner only; at most
// MaxSubscriptions an owner.
func testSubscriptions(t *testing.T, s store.Store) {
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	a := store.Subscription{ID: "s1", Owner: "amina", Topic: "liveBirth", Protocol: "http", Address: "https://pr.example/n",
		Policy: "3600,-1", Token: "t1", Created: at}
	got, err := s.AddSubscription(ctx, &a)
	must(t, err)
	if *got != a {
		t.Fatalf("added %+v, got %+v", a, *got)
	}
	again := a
	again.ID, again.Token, again.Created = "s2", "t2", at.Add(time.Hour)
	got, err = s.AddSubscription(ctx, &again)
	must(t, err)
	if *got != a {
		t.Fatalf("subscribing twice gave %+v, want the first %+v", *got, a)
	}
	other := store.Subscription{ID: "s3", Owner: "birgit", Topic: "liveBirth", Protocol: "http", Address: "https://pr.example/n",
		Token: "t3", Created: at.Add(time.Minute)}
	_, err = s.AddSubscription(ctx, &other)
	must(t, err)
	death := store.Subscription{ID: "s4", Owner: "amina", Topic: "death", Protocol: "http", Address: "https://pr.example/n",
		Token: "t4", Created: at.Add(2 * time.Minute)}
	_, err = s.AddSubscription(ctx, &death)
	must(t, err)

	ids := func(q store.SubscriptionQuery) string {
		subs, err := s.Subscriptions(ctx, q)
		must(t, err)
		var out []string
		for _, sub := range subs {
			out = append(out, sub.ID)
		}
		return fmt.Sprint(out)
	}
	if got := ids(store.SubscriptionQuery{Owner: "amina"}); got != "[s1 s4]" {
		t.Errorf("amina's: %s", got)
	}
	if got := ids(store.SubscriptionQuery{Topic: "liveBirth", ActiveOnly: true}); got != "[]" {
		t.Errorf("active before any confirmation: %s", got)
	}
	if _, err := s.ConfirmSubscription(ctx, "amina", "t3"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("confirming another's: %v, want ErrNotFound", err)
	}
	if _, err := s.ConfirmSubscription(ctx, "amina", ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("confirming with no token: %v, want ErrNotFound", err)
	}
	c, err := s.ConfirmSubscription(ctx, "amina", "t1")
	must(t, err)
	if !c.Active || c.ID != "s1" {
		t.Errorf("confirmed: %+v", c)
	}
	_, err = s.ConfirmSubscription(ctx, "birgit", "t3")
	must(t, err)
	if got := ids(store.SubscriptionQuery{Topic: "liveBirth", ActiveOnly: true}); got != "[s1 s3]" {
		t.Errorf("active liveBirth: %s", got)
	}
	if err := s.DeleteSubscription(ctx, "birgit", "s1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleting another's: %v, want ErrNotFound", err)
	}
	must(t, s.DeleteSubscription(ctx, "amina", "s1"))
	if err := s.DeleteSubscription(ctx, "amina", "s1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleting twice: %v, want ErrNotFound", err)
	}
	if got := ids(store.SubscriptionQuery{Topic: "liveBirth", ActiveOnly: true}); got != "[s3]" {
		t.Errorf("after deleting: %s", got)
	}

	// The limit.
	for i := 0; ; i++ {
		sub := store.Subscription{ID: fmt.Sprintf("m%d", i), Owner: "cyrus", Topic: "death", Protocol: "http",
			Address: fmt.Sprintf("https://pr.example/%d", i), Token: fmt.Sprintf("mt%d", i), Created: at}
		_, err := s.AddSubscription(ctx, &sub)
		if i < store.MaxSubscriptions {
			must(t, err)
			continue
		}
		if !errors.Is(err, store.ErrTooManySubscriptions) {
			t.Errorf("subscription %d: %v, want ErrTooManySubscriptions", i+1, err)
		}
		break
	}
}
