package stats_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/crvsctl/crvsctl/runtime/stats"
	"github.com/crvsctl/crvsctl/runtime/store"
)

// FuzzCells: any answers give cells without panicking, each of six or five fields with no
// separator inside them, at most store.MaxRecordStats of them.
func FuzzCells(f *testing.F) {
	s, _ := newStats(f)
	f.Add("birth", "registered", "N1", `{"child.dob":"2025-01-02","child.district":"V211","child.sex":"female","mother.age":27,"child.order":3}`, int64(1735776000))
	f.Add("death", "registered", "N2", `{"death.date":"2025-12-31","death.office":"O11","death.age":-1e308,"death.cause":"I21.9"}`, int64(-62135596800))
	f.Add("death", "registered", "N3", `{"death.date":"2025-12-31","death.office":"O211","death.age":"x","death.cause":7,"deceased.sex":["male"]}`, int64(0))
	f.Fuzz(func(t *testing.T, event, status, number, answers string, registered int64) {
		var a map[string]any
		if json.Unmarshal([]byte(answers), &a) != nil {
			return
		}
		cells := s.Cells(stats.Facts{Event: event, Status: status, Number: number, Answers: a, Registered: time.Unix(registered, 0)})
		if len(cells) > store.MaxRecordStats {
			t.Fatalf("%d cells", len(cells))
		}
		for _, c := range cells {
			if n := len(strings.Split(c, stats.Sep)); n != 5 && n != 6 {
				t.Fatalf("cell %q has %d fields", c, n)
			}
		}
	})
}

// BenchmarkTabulate: the national report of a year, from what Counts reads of the counts of
// 100,000 births.
func BenchmarkTabulate(b *testing.B) {
	s, _ := newStats(b)
	all := counts(s, fixture("birth", 100000, 9))
	q := stats.Query{Event: "birth", Year: 2025}
	p, _ := s.Prefixes(q)
	read := read(all, p)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Tabulate(q, read); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(read)), "cells")
}

// BenchmarkCells: the cells of one birth, as each write of a record computes them.
func BenchmarkCells(b *testing.B) {
	s, _ := newStats(b)
	f := fixture("birth", 1, 9)[0].Facts
	f.Status, f.Number = "registered", "N1"
	b.ReportAllocs()
	for b.Loop() {
		s.Cells(f)
	}
}
