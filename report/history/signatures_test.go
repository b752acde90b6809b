package history

import (
	"context"
	"testing"
	"time"

	"github.com/prodready/prodready/report/history/historytest"
)

// TestFirstSignatureOncePerWindowAcrossStores: two stores on one database
// (two replicas) see a signature as new once, until it expires.
func TestFirstSignatureOncePerWindowAcrossStores(t *testing.T) {
	for _, be := range historytest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			ctx := context.Background()
			dsn := be.Fresh(t)
			a, err := Open(ctx, dsn, Options{BusyTimeout: 20 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			b, err := Open(ctx, dsn, Options{BusyTimeout: 20 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			now := time.Now()
			sig := []byte{0xde, 0xad, 0xbe, 0xef}
			steps := []struct {
				store *Store
				at    time.Duration
				want  bool
			}{
				{a, 0, true},
				{b, time.Second, false},
				{a, 9 * time.Minute, false},
				{b, 10 * time.Minute, true}, // expired: the timestamp window refuses it anyway
			}
			for i, st := range steps {
				got, err := st.store.FirstSignature(ctx, sig, now.Add(st.at), now.Add(st.at).Add(10*time.Minute))
				if err != nil {
					t.Fatal(err)
				}
				if got != st.want {
					t.Errorf("step %d: first %v, want %v", i, got, st.want)
				}
			}
		})
	}
}
