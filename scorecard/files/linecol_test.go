package files

import (
	"math/rand/v2"
	"testing"
)

// The counter that walks a file once agrees with counting from the start,
// in order and out of it.
func TestLineCounterAgreesWithLineCol(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, data := range []string{"", "\n", "a\nb", "{\n  \"x\": 1,\n\n  \"y\": [\n 2]\n}\n", "no newline at all"} {
		var c lineCounter
		off := int64(0)
		for i := 0; i < 50; i++ {
			off += int64(rng.IntN(3))
			if rng.IntN(10) == 0 {
				off = int64(rng.IntN(len(data) + 1)) // sometimes backwards
			}
			wl, wc := lineCol([]byte(data), off)
			gl, gc := c.lineCol([]byte(data), off)
			if wl != gl || wc != gc {
				t.Fatalf("%q at %d: %d:%d, want %d:%d", data, off, gl, gc, wl, wc)
			}
		}
	}
}
