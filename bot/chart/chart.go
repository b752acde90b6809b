// Package chart draws the digests' charts as PNG, for any notifier.
package chart

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/prodready/prodready/report"
)

// Size is a chart's size in pixels: the width, and the height of each
// scorecard's panel (the PNG is Width × Panel·scorecards).
type Size struct{ Width, Panel int }

// The two charts the digests attach: the monthly one over twelve months,
// and the weekly one, small, over eight weeks.
var (
	Large = Size{Width: 1200, Panel: 540}
	Small = Size{Width: 800, Panel: 360}
)

// chartDPI makes a point 5/3 of a pixel, so that 11-point type is 18
// pixels high: readable when Slack scales the image down to a phone.
const chartDPI = 120

// Input is what LevelChart draws.
type Input struct {
	Scorecards []report.ScorecardDef
	// Colors are each scorecard's level colours from its definition, in
	// rank order (Port's colour names or #rrggbb); a scorecard without
	// them, or with Port's default ladder, gets a palette from red (the
	// base level) to green (the top).
	Colors map[string][]string
	// Mixes are the periods, oldest first.
	Mixes []report.Mix
	// Target is the level to reach (PRODREADY_TARGET_LEVEL); "" or a level
	// a scorecard lacks means its top level, as in the digest.
	Target string
	Size   Size
}

// LevelChart draws, for each scorecard, one panel: per period a 100%
// stacked bar of the services at each level (the levels at or above the
// target at the bottom, so that their top edge is the share at target),
// that share as a line with its value written at each point, and the
// number of services under each period's label. It returns the PNG.
//
// gonum.org/v1/plot draws it, with the Liberation fonts it embeds: nothing
// is read from the system, so it renders the same in a scratch container.
func LevelChart(in Input) ([]byte, error) {
	if len(in.Scorecards) == 0 {
		return nil, fmt.Errorf("level chart: no scorecards")
	}
	if len(in.Mixes) == 0 {
		return nil, fmt.Errorf("level chart: no periods")
	}
	size := in.Size
	if size.Width <= 0 || size.Panel <= 0 {
		size = Large
	}
	px := func(n int) vg.Length { return vg.Length(n) * vg.Inch / chartDPI }
	img := vgimg.NewWith(vgimg.UseWH(px(size.Width), px(size.Panel*len(in.Scorecards))), vgimg.UseDPI(chartDPI),
		vgimg.UseBackgroundColor(color.White))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: len(in.Scorecards), Cols: 1}
	small := size.Width < Large.Width
	for i := range in.Scorecards {
		sc := &in.Scorecards[i]
		if err := drawPanel(tiles.At(dc, 0, i), sc, in.Colors[sc.Identifier], in.Mixes, in.Target, small); err != nil {
			return nil, fmt.Errorf("level chart of %s: %w", sc.Identifier, err)
		}
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("level chart: encoding the PNG: %w", err)
	}
	return buf.Bytes(), nil
}

// TargetRank is the digest's rule: the named level, else the top one.
func TargetRank(sc *report.ScorecardDef, target string) int {
	for i, lv := range sc.Levels {
		if lv == target {
			return i
		}
	}
	return len(sc.Levels) - 1
}

// atLevel says which services the share counts: "at Silver or above", or
// "at Gold" for the top level.
func AtLevel(sc *report.ScorecardDef, rank int) string {
	if rank == len(sc.Levels)-1 {
		return "at " + sc.Levels[rank]
	}
	return "at " + sc.Levels[rank] + " or above"
}

// TargetShares returns, per period, the share (0..1) of a scorecard's
// services at or above the target level, and the number of services;
// ok is false for a period with none.
func TargetShares(sc *report.ScorecardDef, mixes []report.Mix, target string) (shares []float64, totals []int, ok []bool) {
	tr := TargetRank(sc, target)
	for _, m := range mixes {
		counts := m.Counts[sc.Identifier]
		total, at := 0, 0
		for r, lv := range sc.Levels {
			total += counts[lv]
			if r >= tr {
				at += counts[lv]
			}
		}
		totals = append(totals, total)
		ok = append(ok, total > 0)
		if total > 0 {
			shares = append(shares, float64(at)/float64(total))
		} else {
			shares = append(shares, 0)
		}
	}
	return shares, totals, ok
}

func drawPanel(c draw.Canvas, sc *report.ScorecardDef, colors []string, mixes []report.Mix, target string, small bool) error {
	if len(sc.Levels) == 0 {
		return fmt.Errorf("the scorecard has no levels")
	}
	base := vg.Points(11)
	if small {
		base = vg.Points(9)
	}
	tr := TargetRank(sc, target)
	shares, totals, has := TargetShares(sc, mixes, target)
	palette := LevelPalette(sc.Levels, colors)

	p := plot.New()
	p.Title.Text = sc.Name() + ": services per level, and the share " + AtLevel(sc, tr)
	p.Title.TextStyle.Font.Size = base * 14 / 11
	p.Title.Padding = vg.Points(6)
	p.X.Tick.Label.Font.Size = base
	p.Y.Tick.Label.Font.Size = base
	p.Y.Min, p.Y.Max = 0, 100
	p.Y.Tick.Marker = percentTicks{}
	p.Add(plotter.NewGrid())
	p.X.Padding, p.Y.Padding = 0, 0

	labels := make([]string, len(mixes))
	for i, m := range mixes {
		n := "–"
		if has[i] {
			n = strconv.Itoa(totals[i])
		}
		labels[i] = PeriodWords(m.Label, i == 0 || yearOf(m.Label) != yearOf(mixes[i-1].Label), small) + "\n" + n
	}
	p.NominalX(labels...)
	p.X.Label.Text = "under each " + unitOf(mixes[0].Label) + ", the number of services"
	p.X.Label.TextStyle.Font.Size = base * 10 / 11
	p.X.Label.TextStyle.Color = color.Gray{0x55}

	// The plot takes the left part, the legend the right.
	legendW := (c.Max.X - c.Min.X) * 0.24
	if small {
		legendW = (c.Max.X - c.Min.X) * 0.3
	}
	p.X.Min, p.X.Max = -0.5, float64(len(mixes))-0.5
	// A bar takes 60% of its slot; a short history does not make fat bars.
	width := (c.Max.X - c.Min.X - legendW) * 0.85 / vg.Length(max(len(mixes), 6)) * 0.6
	legend := plot.NewLegend()
	legend.TextStyle.Font.Size = base
	legend.Top, legend.Left = true, true
	var below *plotter.BarChart
	// Stacked from the top level down: the target's bar top is the share line.
	bars := make([]*plotter.BarChart, len(sc.Levels))
	for r := len(sc.Levels) - 1; r >= 0; r-- {
		vals := make(plotter.Values, len(mixes))
		for i, m := range mixes {
			if totals[i] > 0 {
				vals[i] = 100 * float64(m.Counts[sc.Identifier][sc.Levels[r]]) / float64(totals[i])
			}
		}
		b, err := plotter.NewBarChart(vals, width)
		if err != nil {
			return err
		}
		b.Color = palette[r]
		b.LineStyle.Width = vg.Points(0.5)
		b.LineStyle.Color = color.White
		if below != nil {
			b.StackOn(below)
		}
		below = b
		bars[r] = b
		p.Add(b)
	}
	// The legend reads top-down as the bars do, so the highest level first.
	for r := len(sc.Levels) - 1; r >= 0; r-- {
		name := sc.Levels[r]
		if r == tr {
			name += " (target)"
		}
		legend.Add(name, bars[r])
	}

	var pts plotter.XYs
	var lbl plotter.XYLabels
	for i := range mixes {
		if !has[i] {
			continue
		}
		pts = append(pts, plotter.XY{X: float64(i), Y: 100 * shares[i]})
		lbl.XYs = append(lbl.XYs, plotter.XY{X: float64(i), Y: 100 * shares[i]})
		lbl.Labels = append(lbl.Labels, fmt.Sprintf("%.0f%%", math.Round(100*shares[i])))
	}
	if len(pts) > 0 {
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return err
		}
		ink := color.RGBA{0x1a, 0x1a, 0x2e, 0xff}
		line.Color, line.Width = ink, vg.Points(2.5)
		points.Shape, points.Color, points.Radius = draw.CircleGlyph{}, ink, vg.Points(3.5)
		p.Add(line, points)
		labels, err := plotter.NewLabels(lbl)
		if err != nil {
			return err
		}
		for i := range labels.TextStyle {
			labels.TextStyle[i].Font.Size = base
			labels.TextStyle[i].Font.Weight = xfont.WeightBold
			labels.TextStyle[i].Color = ink
			labels.TextStyle[i].XAlign = draw.XCenter
			// Above the point, on a white box, so it reads over any colour;
			// below it near the top, so it stays inside the plot.
			labels.TextStyle[i].YAlign = draw.YBottom
			if lbl.XYs[i].Y > 88 {
				labels.TextStyle[i].YAlign = draw.YTop
			}
		}
		p.Add(labelBoxes{labels})
		legend.Add(AtLevel(sc, tr), line, points)
	}

	p.Draw(draw.Crop(c, 0, -legendW, 0, 0))
	lc := draw.Crop(c, (c.Max.X-c.Min.X)-legendW+vg.Points(8), 0, 0, -p.Title.TextStyle.Height(p.Title.Text)-vg.Points(12))
	legend.Draw(lc)
	return nil
}

// labelBoxes draws labels on white boxes so a value stays legible over a
// bar of any colour.
type labelBoxes struct{ *plotter.Labels }

func (l labelBoxes) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	gap, pad := vg.Points(5), vg.Points(2)
	for i, xy := range l.XYs {
		sty := l.TextStyle[i]
		text := l.Labels.Labels[i]
		pt := vg.Point{X: trX(xy.X), Y: trY(xy.Y) + gap}
		if sty.YAlign == draw.YTop {
			pt.Y = trY(xy.Y) - gap
		}
		r := sty.Rectangle(text)
		box := vg.Rectangle{Min: vg.Point{X: pt.X + r.Min.X - pad, Y: pt.Y + r.Min.Y - pad}, Max: vg.Point{X: pt.X + r.Max.X + pad, Y: pt.Y + r.Max.Y + pad}}
		c.SetColor(color.White)
		c.Fill(box.Path())
		c.FillText(sty, pt, text)
	}
}

// percentTicks marks 0, 25, 50, 75 and 100%.
type percentTicks struct{}

func (percentTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for v := 0.0; v <= 100; v += 25 {
		if v >= lo && v <= hi {
			out = append(out, plot.Tick{Value: v, Label: fmt.Sprintf("%.0f%%", v)})
		}
	}
	return out
}

// PeriodWords turns a period key into words (report.KeyWords): "2026-11"
// is "Nov" (with the year on the first bar and in January), "2026-W48" is
// "week 48", "2026-Q4" is "Q4".
func PeriodWords(key string, withYear, small bool) string {
	return report.KeyWords(key, withYear, small)
}

func unitOf(key string) string { return report.KeyUnit(key) }

func yearOf(key string) string {
	if len(key) >= 4 {
		return key[:4]
	}
	return key
}

// portColors are Port's level colour names, as its UI shows them.
var portColors = map[string]color.RGBA{
	"blue": {0x3b, 0x82, 0xf6, 0xff}, "turquoise": {0x14, 0xb8, 0xa6, 0xff}, "orange": {0xf9, 0x73, 0x16, 0xff},
	"purple": {0x8b, 0x5c, 0xf6, 0xff}, "pink": {0xec, 0x48, 0x99, 0xff}, "yellow": {0xea, 0xb3, 0x08, 0xff},
	"green": {0x22, 0xc5, 0x5e, 0xff}, "red": {0xef, 0x44, 0x44, 0xff}, "gold": {0xd4, 0xa0, 0x17, 0xff},
	"silver": {0xa8, 0xa9, 0xad, 0xff}, "bronze": {0xcd, 0x7f, 0x32, 0xff}, "paleBlue": {0xb0, 0xc4, 0xde, 0xff},
	"darkGray": {0x4b, 0x55, 0x63, 0xff}, "lightGray": {0xd1, 0xd5, 0xdb, 0xff}, "lightBlue": {0x7d, 0xd3, 0xfc, 0xff},
	"brown": {0x92, 0x40, 0x0e, 0xff},
}

// LevelPalette returns a colour per level, in rank order: the definition's
// own colours when it gives one for every level and they are not Port's
// default ladder (pale blue, bronze, silver, gold: what a scorecard without
// levels gets, and a medal colour says nothing of how far a level is from
// the target); otherwise from red for the base level to green for the top.
func LevelPalette(levels, colors []string) []color.RGBA {
	out := make([]color.RGBA, len(levels))
	own := len(colors) == len(levels) && strings.Join(colors, ",") != "paleBlue,bronze,silver,gold"
	for i := range levels {
		if own {
			c, ok := parseLevelColor(colors[i])
			if !ok {
				own = false
				break
			}
			out[i] = c
		}
	}
	if own {
		return out
	}
	for i := range levels {
		f := 1.0
		if len(levels) > 1 {
			f = float64(i) / float64(len(levels)-1)
		}
		out[i] = hsv(120*f, 0.62, 0.86)
	}
	return out
}

func parseLevelColor(s string) (color.RGBA, bool) {
	if c, ok := portColors[s]; ok {
		return c, true
	}
	if len(s) == 7 && s[0] == '#' {
		v, err := strconv.ParseUint(s[1:], 16, 32)
		if err == nil {
			return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 0xff}, true
		}
	}
	return color.RGBA{}, false
}

// hsv converts a hue in degrees, a saturation and a value (0..1) to RGB.
func hsv(h, s, v float64) color.RGBA {
	c := v * s
	x := c * (1 - math.Abs(math.Mod(h/60, 2)-1))
	m := v - c
	var r, g, b float64
	switch {
	case h < 60:
		r, g = c, x
	case h < 120:
		r, g = x, c
	default:
		g, b = c, x
	}
	to := func(f float64) uint8 { return uint8(math.Round(255 * (f + m))) }
	return color.RGBA{to(r), to(g), to(b), 0xff}
}
