package scorecard

import (
	"bytes"
	"reflect"
	"runtime"
	"testing"

	fastjson "github.com/goccy/go-json"
)

// TestSplitArrayDecodesAsWhole: a catalog decoded in pieces on every core
// is the catalog decoded in one piece, and splitting rejects what is not
// an array of objects at its top level.
func TestSplitArrayDecodesAsWhole(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("one core: decodeArray never splits")
	}
	cases := []struct {
		name string
		data string
		ok   bool
	}{
		{"synthetic", string(syntheticCatalog(500)), true},
		{"one", `[{"identifier":"a"}]`, true},
		{"empty", `[]`, true},
		{"spaces", " [ {\"identifier\":\"a\"} ,\n\t{\"identifier\":\"b\",\"properties\":{\"x\":[1,{\"y\":\"]}\"}]}} ] \n", true},
		{"escaped quotes", `[{"identifier":"a\"},{\\"},{"identifier":"b\\\\"}]`, true},
		{"trailing comma", `[{"identifier":"a"},]`, false},
		{"leading comma", `[,{"identifier":"a"}]`, false},
		{"missing comma", `[{"identifier":"a"}{"identifier":"b"}]`, false},
		{"not an object", `[{"identifier":"a"},"b"]`, false},
		{"null element", `[null]`, false},
		{"number element", `[{"identifier":"a"},1]`, false},
		{"unclosed", `[{"identifier":"a"}`, false},
		{"unclosed string", `[{"identifier":"a}]`, false},
		{"trailing data", `[{"identifier":"a"}] x`, false},
		{"mismatched", `[{"identifier":"a"]]`, false},
		{"bad inside", `[{"identifier":"a"},{"identifier":}]`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := bytes.TrimLeft([]byte(tc.data), " \n\t") // as fastCatalog does
			got, ok := decodeArray(data, 0, nil)
			if ok != tc.ok {
				t.Fatalf("decodeArray ok %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			var want []Entity
			if err := fastjson.Unmarshal(data, &want); err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 {
				want = []Entity{}
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("split decoding differs from whole decoding: %d and %d entities", len(got), len(want))
			}
		})
	}
}

// FuzzSplitArray: whatever the input, decoding in pieces accepts only
// what decoding whole accepts, and gives the same entities.
func FuzzSplitArray(f *testing.F) {
	f.Add([]byte(`[{"identifier":"a","team":"x","properties":{"p":1}},{"identifier":"b","team":["x","y"],"relations":{"r":null}}]`))
	f.Add([]byte(`[{"identifier":"a\"}{"},{"identifier":"b"}]`))
	f.Add(syntheticCatalog(3))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := decodeArray(data, 0, nil)
		if !ok {
			return
		}
		var want []Entity
		if err := fastjson.Unmarshal(data, &want); err != nil {
			t.Fatalf("pieces accepted what the whole is rejected for: %v", err)
		}
		if len(want) == 0 {
			want = []Entity{}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("split decoding differs from whole decoding")
		}
	})
}
