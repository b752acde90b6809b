// Package jsonlibs measures Go JSON decoders on the catalog prodready
// parses, in a module of its own so that the candidates stay out of
// prodready's go.mod. It is not run by `go test ./...` of prodready.
//
//	cd scorecard/testdata/jsonlibs && go test -bench . -benchtime 2s -count 5
package jsonlibs

import (
	"context"
	stdjson "encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/bytedance/sonic"
	jsonv2 "github.com/go-json-experiment/json"
	goccy "github.com/goccy/go-json"
	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/demo"
)

func catalog(b *testing.B, n int) []byte {
	bd, err := demo.Scaled(context.Background(), time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), n, 100)
	if err != nil {
		b.Fatal(err)
	}
	data, err := stdjson.Marshal(bd.Catalog.Entities)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func BenchmarkDecodeCatalog(b *testing.B) {
	for _, n := range []int{10_000} {
		data := catalog(b, n)
		libs := []struct {
			name string
			dec  func([]byte, any) error
		}{
			{"encoding-json", stdjson.Unmarshal},
			{"sonic", sonic.Unmarshal},
			{"sonic-std", sonic.ConfigStd.Unmarshal},
			{"goccy-go-json", goccy.Unmarshal},
			{"go-json-experiment", func(d []byte, v any) error { return jsonv2.Unmarshal(d, v) }},
		}
		for _, l := range libs {
			b.Run(fmt.Sprintf("%s/entities=%d", l.name, n), func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				for b.Loop() {
					var ents []scorecard.Entity
					if err := l.dec(data, &ents); err != nil {
						b.Fatal(err)
					}
					if len(ents) != n {
						b.Fatalf("%d entities", len(ents))
					}
				}
			})
		}
		b.Run(fmt.Sprintf("ParseCatalog/entities=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := scorecard.ParseCatalog("bench.json", data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
