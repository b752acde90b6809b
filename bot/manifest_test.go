package bot

import (
	"net/url"
	"os"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/prodready/prodready/bot/slackemu"
)

type manifest struct {
	Features struct {
		SlashCommands []struct {
			Command   string `yaml:"command"`
			URL       string `yaml:"url"`
			UsageHint string `yaml:"usage_hint"`
		} `yaml:"slash_commands"`
	} `yaml:"features"`
	OAuth struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		SocketMode bool `yaml:"socket_mode_enabled"`
	} `yaml:"settings"`
}

// The manifests ask for exactly the scopes the emulator grants the bot (so
// the tests run with what a real install has) and route /prodready to
// where serve listens.
func TestManifests(t *testing.T) {
	for _, c := range []struct {
		file   string
		socket bool
	}{{"manifest.yaml", false}, {"manifest.socket.yaml", true}} {
		data, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		var m manifest
		if err := yaml.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if !slices.Equal(m.OAuth.Scopes.Bot, slackemu.BotScopes) {
			t.Errorf("%s: scopes %v, want %v", c.file, m.OAuth.Scopes.Bot, slackemu.BotScopes)
		}
		// Exactly-once delivery looks a message up in the history of any
		// kind of conversation it posts to after a crash.
		for _, sc := range []string{"channels:history", "groups:history", "im:history", "mpim:history"} {
			if !slices.Contains(m.OAuth.Scopes.Bot, sc) {
				t.Errorf("%s: lacks %s, which conversations.history needs", c.file, sc)
			}
		}
		if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != "/prodready" {
			t.Fatalf("%s: slash commands %+v", c.file, m.Features.SlashCommands)
		}
		if m.Settings.SocketMode != c.socket {
			t.Errorf("%s: socket_mode_enabled %v", c.file, m.Settings.SocketMode)
		}
		u := m.Features.SlashCommands[0].URL
		if c.socket {
			if u != "" {
				t.Errorf("%s: a Socket Mode command has no URL, got %q", c.file, u)
			}
			continue
		}
		p, err := url.Parse(u)
		if err != nil || p.Scheme != "https" || p.Path != CommandPath {
			t.Errorf("%s: command URL %q must be https and end in %s", c.file, u, CommandPath)
		}
	}
}
