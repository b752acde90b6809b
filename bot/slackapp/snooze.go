package slackapp

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/slack-go/slack"

	"github.com/prodready/prodready/bot/blockkit"
)

// snoozeRefusal says why user may not snooze team's notices, "" when they
// may: the team must exist (in the teams file or the catalog), and user be
// one of its members — an address of the teams file's dm or email lists,
// of the catalog's team (Backstage group members), or a member of the
// Slack user group whose handle or name is the team's.
func (b *Bot) snoozeRefusal(ctx context.Context, team, user string) (string, error) {
	var emails []string
	known := false
	if r := b.cfg.Routes; r != nil && team != "" {
		if tr, ok := r.Teams[team]; ok {
			known = true
			emails = append(append(emails, tr.DM...), tr.Email...)
		}
	}
	if s := b.holder.Current(); s != nil {
		for _, t := range s.Bundle.Teams {
			if t.Identifier == team && team != "" {
				known = true
				emails = append(emails, t.Emails...)
			}
		}
		if _, _, _, ok := s.Team(team); ok && team != "" {
			known = true
		}
	}
	if !known {
		return fmt.Sprintf("No team %s in the teams file or the catalog: nothing to snooze.", blockkit.Code(team)), nil
	}
	who := fmt.Sprintf("Only members of %s can snooze its notices: the addresses the teams file lists for it, the catalog's members of the team, or the Slack user group named %s.", blockkit.Code(team), blockkit.Code(team))
	if b.api == nil {
		return who, nil
	}
	u, err := b.api.GetUserInfoContext(ctx, user)
	if err != nil {
		return "", fmt.Errorf("users.info %s: %w", user, err)
	}
	if email := strings.TrimSpace(u.Profile.Email); email != "" {
		for _, m := range emails {
			if strings.EqualFold(strings.TrimSpace(m), email) {
				return "", nil
			}
		}
	}
	groups, err := b.api.GetUserGroupsContext(ctx, slack.GetUserGroupsOptionIncludeUsers(true))
	if err != nil {
		return "", fmt.Errorf("usergroups.list: %w", err)
	}
	for _, g := range groups {
		if (strings.EqualFold(g.Handle, team) || strings.EqualFold(g.Name, team)) && slices.Contains(g.Users, user) {
			return "", nil
		}
	}
	return who, nil
}
