package pdf

import (
	"bytes"
	"fmt"
	"io"
	"sync/atomic"
	"testing"
)

// The figures: at least 300 one-page certificates a second in one process on the 2-core
// machine, a one-language certificate under 30 KB, a batch of 1,000 in one PDF under 5 s.
// The certificates here carry a QR code, a coat of arms and a watermark; no background (its
// image weighs what it weighs, once per PDF).

// BenchmarkRender prints one certificate a PDF (bn and ar: in Bengali and Arabic, shaped), from as many goroutines as there are cores,
// with one Renderer: certs/s is the figure to hold against 300.
func BenchmarkRender(b *testing.B) {
	for _, c := range []struct {
		name      string
		bilingual bool
		v         Values
		shaped    string // the language of a shaped certificate (shapedTemplate)
	}{
		{"en", false, testValues(english, nil), ""},
		{"fr", false, testValues(french, nil), ""},
		{"en-am", true, testValues(english, &amharic), ""},
		{"bn", false, Values{Text: bengaliTexts}, "bn"},
		{"ar", false, Values{Text: arabicTexts}, "ar"},
	} {
		b.Run(c.name, func(b *testing.B) {
			t := testTemplate(b, c.bilingual, false)
			if c.shaped != "" {
				t = shapedTemplate(b, c.shaped)
			}
			r, err := NewRenderer(t)
			if err != nil {
				b.Fatal(err)
			}
			var size atomic.Int64
			var serial atomic.Int64
			b.ReportAllocs()
			cpu := cpuTime()
			b.RunParallel(func(pb *testing.PB) {
				var out bytes.Buffer
				v := Values{Text: map[string]string{}}
				for k, s := range c.v.Text {
					v.Text[k] = s
				}
				for pb.Next() {
					out.Reset()
					v.Text["number"] = fmt.Sprintf("NRV-KRV-2026-%06d", serial.Add(1))
					if err := r.Render(&out, v); err != nil {
						b.Fatal(err)
					}
					size.Store(int64(out.Len()))
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "certs/s")
			b.ReportMetric(float64(size.Load()), "B/pdf")
			// What the machine's two cores could print with nothing else running: the CPU time
			// a certificate took (garbage collection included), whatever else ran meanwhile.
			if used := cpuTime() - cpu; used > 0 {
				b.ReportMetric(float64(used.Microseconds())/float64(b.N), "cpu-µs/cert")
				b.ReportMetric(2*float64(b.N)/used.Seconds(), "certs/s/2cores")
			}
		})
	}
}

// BenchmarkRenderBatch1000 prints a print queue of 1,000 certificates into one PDF.
func BenchmarkRenderBatch1000(b *testing.B) {
	r, err := NewRenderer(testTemplate(b, true, true))
	if err != nil {
		b.Fatal(err)
	}
	vs := make([]Values, 1000)
	for i := range vs {
		vs[i] = testValues(english, &amharic)
		vs[i].Text["number"] = fmt.Sprintf("NRV-KRV-2026-%06d", i)
	}
	var n countingWriter
	for b.Loop() {
		n = 0
		if err := r.RenderBatch(&n, vs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/1e6, "MB/batch")
}

type countingWriter int64

func (w *countingWriter) Write(p []byte) (int, error) {
	*w += countingWriter(len(p))
	return len(p), nil
}

var _ io.Writer = (*countingWriter)(nil)
