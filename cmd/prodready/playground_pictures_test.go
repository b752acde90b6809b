package main

import (
	"context"
	"testing"
	"time"

	"github.com/prodready/prodready/bot/playground/picture"
)

// TestPlaygroundPicturesAreCurrent fails when a picture in
// docs/pictures/demo shows an older version of its message than the
// current code sends (the hash of its Block Kit JSON differs); it needs
// no browser. `go run ./cmd/prodready playground --screenshots
// docs/pictures/demo` takes them again.
func TestPlaygroundPicturesAreCurrent(t *testing.T) {
	w, _ := newTestPlayWorld(t, nil, playOptions{start: playPictureTime, quiet: true})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pics, err := playPictures(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	current := map[string][]byte{}
	for _, p := range pics {
		current[p.name] = p.json
	}
	for _, name := range []string{"answer", "team-answer", "digest-weekly", "digest-monthly", "notice", "exemption-request", "home"} {
		if current[name] == nil {
			t.Errorf("no %s message among the pictures", name)
		}
	}
	if err := picture.Check("../../docs/pictures/demo", current); err != nil {
		t.Errorf("%v\nrun: go run ./cmd/prodready playground --screenshots docs/pictures/demo", err)
	}
}
