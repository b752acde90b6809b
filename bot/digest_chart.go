package bot

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strings"

	"github.com/prodready/prodready/report"
)

// LevelMixChart draws, for each scorecard, the share of services at each
// level over the given periods (oldest first) as stacked bars, and returns
// the PNG. It uses only the standard library: a 3×5 pixel font, scaled.
func LevelMixChart(scorecards []report.ScorecardDef, mixes []report.Mix) ([]byte, error) {
	const (
		width  = 960
		panelH = 380
		left   = 60
		right  = 20
		top    = 70
		bottom = 50
	)
	if len(scorecards) == 0 {
		return nil, fmt.Errorf("level mix chart: no scorecards")
	}
	img := image.NewRGBA(image.Rect(0, 0, width, panelH*len(scorecards)))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	axis := color.RGBA{0x55, 0x55, 0x55, 0xff}
	for p, sc := range scorecards {
		y0 := p * panelH
		chartDrawText(img, left, y0+12, 3, sc.Name()+" - share of services per level", color.Black)
		// Legend.
		x := left
		for i, lv := range sc.Levels {
			c := chartLevelColor(i)
			chartFill(img, image.Rect(x, y0+40, x+14, y0+54), c)
			chartDrawText(img, x+20, y0+42, 2, strings.ToUpper(lv), color.Black)
			x += 20 + 8*len(lv) + 30
		}
		plotTop, plotBottom := y0+top, y0+panelH-bottom
		plotH := plotBottom - plotTop
		// Axis and 0/50/100% marks.
		chartFill(img, image.Rect(left-2, plotTop, left, plotBottom), axis)
		chartFill(img, image.Rect(left, plotBottom, width-right, plotBottom+2), axis)
		for _, pct := range []int{0, 50, 100} {
			y := plotBottom - plotH*pct/100
			chartFill(img, image.Rect(left-6, y, left-2, y+1), axis)
			chartDrawText(img, 8, y-4, 2, fmt.Sprintf("%d%%", pct), axis)
		}
		// Twelve slots whatever the history, so bars keep their width as it grows.
		n := max(len(mixes), 12)
		slot := (width - left - right) / n
		barW := slot * 2 / 3
		for i, m := range mixes {
			bx := left + i*slot + (slot-barW)/2
			counts := m.Counts[sc.Identifier]
			total := 0
			for _, c := range counts {
				total += c
			}
			if total > 0 {
				y := plotBottom
				acc := 0
				for li, lv := range sc.Levels {
					acc += counts[lv]
					// Cumulative rounding keeps the stack exactly plotH tall.
					yTop := plotBottom - plotH*acc/total
					chartFill(img, image.Rect(bx, yTop, bx+barW, y), chartLevelColor(li))
					y = yTop
				}
			}
			label := m.Label
			if len(label) > 8 && slot < 90 {
				label = label[len(label)-5:] // "W48" or "11-26" when space is short
			}
			chartDrawText(img, bx, plotBottom+10, 2, label, axis)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("level mix chart: %w", err)
	}
	return buf.Bytes(), nil
}

// chartLevelColor runs from pale blue (the base level) through bronze and
// silver to gold, Port's colors for the default ladder; longer ladders go on
// in green and blue.
func chartLevelColor(i int) color.RGBA {
	palette := []color.RGBA{
		{0xb0, 0xc4, 0xde, 0xff}, // base: pale blue
		{0xcd, 0x7f, 0x32, 0xff}, // bronze
		{0xa8, 0xa9, 0xad, 0xff}, // silver
		{0xff, 0xc4, 0x00, 0xff}, // gold
		{0x2e, 0x8b, 0x57, 0xff},
		{0x46, 0x52, 0xb4, 0xff},
	}
	return palette[i%len(palette)]
}

func chartFill(img *image.RGBA, r image.Rectangle, c color.Color) {
	draw.Draw(img, r.Intersect(img.Bounds()), image.NewUniform(c), image.Point{}, draw.Src)
}

// chartFont is a 3×5 pixel font: five rows of three bits, high bit left.
var chartFont = map[rune][5]uint8{
	'0': {7, 5, 5, 5, 7}, '1': {2, 6, 2, 2, 7}, '2': {7, 1, 7, 4, 7}, '3': {7, 1, 7, 1, 7}, '4': {5, 5, 7, 1, 1},
	'5': {7, 4, 7, 1, 7}, '6': {7, 4, 7, 5, 7}, '7': {7, 1, 1, 2, 2}, '8': {7, 5, 7, 5, 7}, '9': {7, 5, 7, 1, 7},
	'A': {2, 5, 7, 5, 5}, 'B': {6, 5, 6, 5, 6}, 'C': {3, 4, 4, 4, 3}, 'D': {6, 5, 5, 5, 6}, 'E': {7, 4, 6, 4, 7},
	'F': {7, 4, 6, 4, 4}, 'G': {3, 4, 5, 5, 3}, 'H': {5, 5, 7, 5, 5}, 'I': {7, 2, 2, 2, 7}, 'J': {1, 1, 1, 5, 2},
	'K': {5, 5, 6, 5, 5}, 'L': {4, 4, 4, 4, 7}, 'M': {5, 7, 7, 5, 5}, 'N': {6, 5, 5, 5, 5}, 'O': {2, 5, 5, 5, 2},
	'P': {6, 5, 6, 4, 4}, 'Q': {2, 5, 5, 6, 3}, 'R': {6, 5, 6, 5, 5}, 'S': {3, 4, 2, 1, 6}, 'T': {7, 2, 2, 2, 2},
	'U': {5, 5, 5, 5, 7}, 'V': {5, 5, 5, 5, 2}, 'W': {5, 5, 7, 7, 5}, 'X': {5, 5, 2, 5, 5}, 'Y': {5, 5, 2, 2, 2},
	'Z': {7, 1, 2, 4, 7}, '-': {0, 0, 7, 0, 0}, '%': {5, 1, 2, 4, 5}, '/': {1, 1, 2, 4, 4}, '.': {0, 0, 0, 0, 2},
	':': {0, 2, 0, 2, 0}, '(': {1, 2, 2, 2, 1}, ')': {4, 2, 2, 2, 4}, '+': {0, 2, 7, 2, 0}, '_': {0, 0, 0, 0, 7},
	'?': {7, 1, 2, 0, 2}, ',': {0, 0, 0, 2, 4},
}

// chartDrawText draws s at (x, y) with pixels scale×scale; unknown
// characters draw as '?', lower case as upper case.
func chartDrawText(img *image.RGBA, x, y, scale int, s string, c color.Color) {
	for _, r := range strings.ToUpper(s) {
		g, ok := chartFont[r]
		if r == ' ' {
			x += 4 * scale
			continue
		}
		if !ok {
			g = chartFont['?']
		}
		for row := 0; row < 5; row++ {
			for col := 0; col < 3; col++ {
				if g[row]&(4>>col) != 0 {
					chartFill(img, image.Rect(x+col*scale, y+row*scale, x+(col+1)*scale, y+(row+1)*scale), c)
				}
			}
		}
		x += 4 * scale
	}
}
