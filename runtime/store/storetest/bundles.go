package storetest

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/store"
)

var bundleCases = []struct {
	name string
	fn   func(*testing.T, store.Store)
}{
	{"BundlesKept", testBundlesKept},
	{"BundleKeptAtOnce", testBundleKeptAtOnce},
}

// Bundles are kept by hash, in the order first served; keeping one again changes nothing.
func testBundlesKept(t *testing.T, s store.Store) {
	ctx := context.Background()
	if got, err := s.Bundles(ctx); err != nil || len(got) != 0 {
		t.Fatalf("a new store: %v, %v", got, err)
	}
	if _, err := s.BundleData(ctx, "sha256:none"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an unknown bundle: %v, want ErrNotFound", err)
	}
	t0 := time.UnixMilli(1_700_000_000_000).UTC()
	v1 := store.BundleInfo{Hash: "sha256:one", Version: "1.0.0", Served: t0}
	v2 := store.BundleInfo{Hash: "sha256:two", Version: "1.1.0", Served: t0.Add(time.Hour)}
	data1, data2 := bytes.Repeat([]byte("1"), 3<<20), []byte(`{"version":"1.1.0"}`) // a national bundle is megabytes
	for _, k := range []struct {
		b    store.BundleInfo
		data []byte
	}{{v1, data1}, {v2, data2}, {store.BundleInfo{Hash: v1.Hash, Version: v1.Version, Served: t0.Add(2 * time.Hour)}, data1}} {
		if err := s.KeepBundle(ctx, k.b, k.data); err != nil {
			t.Fatalf("KeepBundle %s: %v", k.b.Hash, err)
		}
	}
	got, err := s.Bundles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != v1 || got[1] != v2 {
		t.Errorf("Bundles: %+v, want %+v then %+v (the first served first, kept once)", got, v1, v2)
	}
	for hash, want := range map[string][]byte{v1.Hash: data1, v2.Hash: data2} {
		if data, err := s.BundleData(ctx, hash); err != nil || !bytes.Equal(data, want) {
			t.Errorf("BundleData %s: %d bytes, %v", hash, len(data), err)
		}
	}
}

// Servers started at once with one bundle keep it once.
func testBundleKeptAtOnce(t *testing.T, s store.Store) {
	ctx := context.Background()
	b := store.BundleInfo{Hash: "sha256:same", Version: "2.0.0", Served: time.UnixMilli(1_700_000_000_000).UTC()}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if err := s.KeepBundle(ctx, b, []byte("{}")); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got, err := s.Bundles(ctx); err != nil || len(got) != 1 {
		t.Errorf("Bundles: %+v, %v; want it once", got, err)
	}
}

func (p *alternate) KeepBundle(ctx context.Context, b store.BundleInfo, data []byte) error {
	return p.next().KeepBundle(ctx, b, data)
}

func (p *alternate) Bundles(ctx context.Context) ([]store.BundleInfo, error) {
	return p.next().Bundles(ctx)
}

func (p *alternate) BundleData(ctx context.Context, hash string) ([]byte, error) {
	return p.next().BundleData(ctx, hash)
}
