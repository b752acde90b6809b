package email

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"strings"

	"github.com/prodready/prodready/report"
)

//go:embed templates/*.html
var templateFiles embed.FS

// templates are parsed once; html/template escapes every value, and
// catalog data (titles, team names) is hostile.
var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"percent": report.Percent,
	"points":  report.Points,
	"change":  report.Change,
}).ParseFS(templateFiles, "templates/*.html"))

// Chart is the digest's chart, shown inline.
type Chart struct {
	Name, Title, AltText string
	Data                 []byte // PNG
}

// chartCID is the chart's Content-ID, which the HTML names.
const chartCID = "chart@prodready"

// Digest renders a digest as an e-mail to recipients.
func Digest(d *report.Digest, chart *Chart, to []string) (Message, error) {
	var text bytes.Buffer
	if err := d.WriteText(&text); err != nil {
		return Message{}, err
	}
	data := digestData{D: d, Stale: d.StaleLine(), History: d.HistoryLine(), Exemptions: d.ExemptionLine()}
	for i := range d.Scorecards {
		sd := &d.Scorecards[i]
		s := scorecardData{SD: sd, Levels: d.LevelLine(sd), Share: d.ShareLine(sd), ShowChange: !d.First,
			Promoted: head(sd.Promoted, 20), Demoted: head(sd.Demoted, 20), TopFailing: head(sd.TopFailing, 5)}
		s.MorePromoted = len(sd.Promoted) - len(s.Promoted)
		s.MoreDemoted = len(sd.Demoted) - len(s.Demoted)
		for _, l := range sd.Levels {
			s.LevelNames = append(s.LevelNames, l.Level)
		}
		data.Scorecards = append(data.Scorecards, s)
	}
	for _, e := range d.NoTeam {
		data.NoTeam = append(data.NoTeam, e.Name())
	}
	msg := Message{To: to, Subject: d.Title(), Text: text.String()}
	if chart != nil {
		data.ChartCID, data.ChartAlt = chartCID, chart.AltText
		msg.Inline = []Inline{{Name: chart.Name, ContentID: chartCID, Type: "image/png", Data: chart.Data}}
	}
	var html bytes.Buffer
	if err := templates.ExecuteTemplate(&html, "digest.html", data); err != nil {
		return Message{}, fmt.Errorf("digest e-mail: %w", err)
	}
	msg.HTML = html.String()
	return msg, nil
}

// Notice renders a team notice as an e-mail to recipients.
func Notice(n *report.Notice, to []string) (Message, error) {
	var text bytes.Buffer
	if err := n.WriteText(&text); err != nil {
		return Message{}, err
	}
	var html bytes.Buffer
	data := noticeData{N: n, Name: n.Name(), Headline: n.Headline(), Notes: n.NoteLines()}
	if err := templates.ExecuteTemplate(&html, "notice.html", data); err != nil {
		return Message{}, fmt.Errorf("notice e-mail: %w", err)
	}
	return Message{
		To:      to,
		Subject: "Production readiness for " + oneLine(n.Name()) + ": " + n.Headline(),
		Text:    text.String(),
		HTML:    html.String(),
	}, nil
}

// Text renders a plain message (a job's note) as an e-mail.
func Text(subject, body string, to []string) Message {
	return Message{To: to, Subject: oneLine(subject), Text: body}
}

type digestData struct {
	D                          *report.Digest
	Stale, History, Exemptions string
	Scorecards                 []scorecardData
	NoTeam                     []string
	ChartCID, ChartAlt         string
}

type scorecardData struct {
	SD                        *report.ScorecardDigest
	Levels, Share             string
	LevelNames                []string
	ShowChange                bool
	Promoted, Demoted         []report.Move
	MorePromoted, MoreDemoted int
	TopFailing                []report.RuleCount
}

type noticeData struct {
	N              *report.Notice
	Name, Headline string
	Notes          []string
}

func head[T any](s []T, n int) []T {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// oneLine keeps a header value on one line: a title from the catalog may
// hold a line break.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
