package bot

import (
	"net/url"
	"os"
	"slices"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/prodready/prodready/bot/slackapp"
	"github.com/prodready/prodready/bot/slackemu"
)

type manifest struct {
	Features struct {
		SlashCommands []struct {
			Command   string `yaml:"command"`
			URL       string `yaml:"url"`
			UsageHint string `yaml:"usage_hint"`
		} `yaml:"slash_commands"`
		AppHome struct {
			HomeTab bool `yaml:"home_tab_enabled"`
		} `yaml:"app_home"`
	} `yaml:"features"`
	OAuth struct {
		Scopes struct {
			Bot         []string `yaml:"bot"`
			BotOptional []string `yaml:"bot_optional"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		SocketMode    bool `yaml:"socket_mode_enabled"`
		Interactivity struct {
			Enabled    bool   `yaml:"is_enabled"`
			RequestURL string `yaml:"request_url"`
		} `yaml:"interactivity"`
		Events struct {
			RequestURL string   `yaml:"request_url"`
			BotEvents  []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
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
		all := append(append([]string{}, m.OAuth.Scopes.Bot...), m.OAuth.Scopes.BotOptional...)
		if !slices.Equal(all, slackemu.BotScopes) {
			t.Errorf("%s: scopes %v, want %v", c.file, all, slackemu.BotScopes)
		}
		// Exactly-once delivery looks a message up in the history of any
		// kind of conversation it posts to after a crash; it copes without
		// (docs/slack.md), so those scopes are optional.
		for _, sc := range []string{"channels:history", "groups:history", "im:history", "mpim:history"} {
			if !slices.Contains(m.OAuth.Scopes.BotOptional, sc) || slices.Contains(m.OAuth.Scopes.Bot, sc) {
				t.Errorf("%s: %s must be optional (bot_optional), for conversations.history after a crash only", c.file, sc)
			}
		}
		// What the buttons, the modal, the approvers' group and the Home tab need.
		for _, sc := range []string{"mpim:write", "usergroups:read", "users:read", "users:read.email", "chat:write", "im:write"} {
			if !slices.Contains(m.OAuth.Scopes.Bot, sc) {
				t.Errorf("%s: lacks the required scope %s", c.file, sc)
			}
		}
		if !m.Features.AppHome.HomeTab {
			t.Errorf("%s: the Home tab is not enabled", c.file)
		}
		if !m.Settings.Interactivity.Enabled {
			t.Errorf("%s: interactivity is off: no button would work", c.file)
		}
		if !slices.Contains(m.Settings.Events.BotEvents, "app_home_opened") {
			t.Errorf("%s: does not subscribe to app_home_opened", c.file)
		}
		for what, want := range map[string]string{m.Settings.Interactivity.RequestURL: slackapp.InteractionPath, m.Settings.Events.RequestURL: slackapp.EventsPath} {
			if c.socket {
				if what != "" {
					t.Errorf("%s: Socket Mode needs no request URL, got %q", c.file, what)
				}
				continue
			}
			if p, err := url.Parse(what); err != nil || p.Scheme != "https" || p.Path != want {
				t.Errorf("%s: request URL %q must be https and end in %s", c.file, what, want)
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
		if err != nil || p.Scheme != "https" || p.Path != slackapp.CommandPath {
			t.Errorf("%s: command URL %q must be https and end in %s", c.file, u, slackapp.CommandPath)
		}
	}
}
