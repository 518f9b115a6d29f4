package fulfilment

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func sample(ref string, items int) Manifest {
	placed := time.Date(2026, 11, 24, 15, 4, 5, 0, time.UTC)
	deliver := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	m := Manifest{
		Platform:     "Trove",
		VendorName:   "Highland Candle Co",
		Reference:    ref,
		OrderID:      "ord_01JD4Z7Q2M",
		PlacedAt:     placed,
		DeliveryDate: &deliver,
		Recipient: ManifestAddress{
			Name: "Ada Lovelace", Company: "Analytical Engines Ltd",
			Line1: "12 Babbage Street", Line2: "Floor 3",
			City: "London", Region: "Greater London", PostalCode: "EC1A 1BB",
			Country: "United Kingdom", Phone: "+44 20 7946 0000",
		},
		GiftMessage: "Thank you for a wonderful year together.\nWe could not have shipped without you — enjoy the candles and have a restful holiday season with your families.",
	}
	for i := range items {
		m.Items = append(m.Items, ManifestItem{
			SKU:      fmt.Sprintf("HC-%03d", i+1),
			Title:    fmt.Sprintf("Soy candle number %d", i+1),
			Variant:  "Cedar & fig, 200 g",
			Quantity: i%4 + 1,
		})
	}
	return m
}

// render writes the manifests to a temporary PDF and returns its bytes and
// its text as `pdftotext -layout` extracts it (pages end with a form feed).
func render(t *testing.T, ms ...Manifest) ([]byte, string) {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatal("pdftotext is not installed: `make test` installs it, or run: sudo apt-get install -y poppler-utils")
	}
	var buf bytes.Buffer
	if err := RenderManifests(&buf, ms...); err != nil {
		t.Fatalf("Render: %v", err)
	}
	path := filepath.Join(t.TempDir(), "manifest.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", "-enc", "UTF-8", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return buf.Bytes(), string(out)
}

func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

func pages(text string) []string {
	p := strings.Split(text, "\f")
	if len(p) > 0 && strings.TrimSpace(p[len(p)-1]) == "" {
		p = p[:len(p)-1]
	}
	return p
}

// assertItems checks that every SKU is on the same layout line as its quantity.
func assertItems(t *testing.T, text string, items []ManifestItem) {
	t.Helper()
	for _, it := range items {
		re := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(it.SKU) + `\s.*\s` + fmt.Sprint(it.Quantity) + `\s*$`)
		if !re.MatchString(text) {
			t.Errorf("no line with SKU %s and quantity %d", it.SKU, it.Quantity)
		}
	}
}

func TestRenderOne(t *testing.T) {
	m := sample("vo_01JD4Z8K3N5P7R9T", 4)
	pdf, text := render(t, m)
	flat := squash(text)

	for _, want := range []string{
		"Packing manifest", m.Platform, m.VendorName, m.Reference, m.OrderID,
		"24 Nov 2026", "1 Dec 2026", "Ship to",
		m.Recipient.Name, m.Recipient.Company, m.Recipient.Line1, m.Recipient.Line2,
		"London, Greater London EC1A 1BB", m.Recipient.Country, m.Recipient.Phone,
		"Soy candle number 3 — Cedar & fig, 200 g",
		"Total units 10",
		"Gift message", squash(m.GiftMessage),
		"Reference " + m.Reference + " · page 1 of 1",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	assertItems(t, text, m.Items)
	if n := len(pages(text)); n != 1 {
		t.Errorf("pages = %d, want 1", n)
	}
	if !bytes.Contains(pdf, []byte("/Subtype /Image")) {
		t.Error("no image XObject (QR code) in the PDF")
	}
	if !bytes.Contains(pdf, []byte("/Title")) || !bytes.Contains(pdf, []byte("/Author")) {
		t.Error("no Title or Author in the document info")
	}
}

func TestRenderOverflow(t *testing.T) {
	m := sample("vo_01JD4Z8K3N5P7OVER", 60)
	_, text := render(t, m)
	assertItems(t, text, m.Items)
	if !strings.Contains(squash(text), squash(m.GiftMessage)) {
		t.Error("gift message missing")
	}
	ps := pages(text)
	if len(ps) < 2 {
		t.Fatalf("pages = %d, want at least 2", len(ps))
	}
	for i, p := range ps {
		want := fmt.Sprintf("Reference %s · page %d of %d", m.Reference, i+1, len(ps))
		if !strings.Contains(p, want) {
			t.Errorf("page %d lacks footer %q", i+1, want)
		}
	}
	if !strings.Contains(ps[1], m.Reference+" (continued)") {
		t.Error("continuation page does not name its reference")
	}
}

func TestRenderBatch(t *testing.T) {
	ms := []Manifest{sample("vo_BATCH_A", 2), sample("vo_BATCH_B", 45), sample("vo_BATCH_C", 1)}
	_, text := render(t, ms...)
	ps := pages(text)
	if len(ps) < 3 {
		t.Fatalf("pages = %d, want at least 3", len(ps))
	}
	// Each manifest starts on a new page, in order, and numbers its own pages.
	at := 0
	for _, m := range ms {
		pos := strings.Index(text[at:], m.Reference)
		if pos < 0 {
			t.Fatalf("reference %s missing or out of order", m.Reference)
		}
		at += pos
		assertItems(t, text, m.Items)
	}
	var footers []string
	re := regexp.MustCompile(`Reference (\S+) · page (\d+) of (\d+)`)
	for _, p := range ps {
		footers = append(footers, re.FindString(p))
	}
	want := []string{
		"Reference vo_BATCH_A · page 1 of 1",
		"Reference vo_BATCH_B · page 1 of 2",
		"Reference vo_BATCH_B · page 2 of 2",
		"Reference vo_BATCH_C · page 1 of 1",
	}
	if strings.Join(footers, "\n") != strings.Join(want, "\n") {
		t.Errorf("footers:\n%s\nwant:\n%s", strings.Join(footers, "\n"), strings.Join(want, "\n"))
	}
}

func TestRenderText(t *testing.T) {
	for _, tc := range []struct {
		name, msg string
		want      []string
		lacks     []string
	}{
		{name: "unicode", msg: "Merci — ünïcödé 🎁\nΚαλά Χριστούγεννα, С Новым годом!\tÀ bientôt",
			want: []string{"Merci — ünïcödé", "Καλά Χριστούγεννα, С Новым годом! À bientôt"}},
		{name: "emoji only and CJK", msg: "🎁🎄 新年快乐", want: []string{"Gift message □□ □□□□"}, lacks: []string{"(none)"}},
		{name: "empty", msg: "", want: []string{"Gift message (none)"}},
		{name: "long", msg: strings.Repeat("All the best from the whole team at Trove. ", 23), // ~1000 chars
			want: []string{squash(strings.Repeat("All the best from the whole team at Trove. ", 23))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := sample("vo_UNICODE", 3)
			m.GiftMessage = tc.msg
			m.Recipient.Name = "Zoë Ñúñez-Øster"
			_, text := render(t, m)
			flat := squash(text)
			for _, w := range append(tc.want, "Zoë Ñúñez-Øster") {
				if !strings.Contains(flat, w) {
					t.Errorf("text lacks %q:\n%s", w, text)
				}
			}
			for _, w := range tc.lacks {
				if strings.Contains(flat, w) {
					t.Errorf("text has %q", w)
				}
			}
		})
	}
}

// Same input, same bytes: fpdf keeps fonts and images in maps, so compare
// several renders of a batch (two fonts, three QR images).
func TestRenderDeterministic(t *testing.T) {
	ms := []Manifest{sample("vo_SAME_1", 5), sample("vo_SAME_2", 40), sample("vo_SAME_3", 1)}
	var first []byte
	for i := range 10 {
		var buf bytes.Buffer
		if err := RenderManifests(&buf, ms...); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = buf.Bytes()
		} else if !bytes.Equal(first, buf.Bytes()) {
			t.Fatalf("render %d differs from the first", i+1)
		}
	}
}

func TestRenderErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		ms   []Manifest
	}{
		{"no manifests", nil},
		{"empty reference", []Manifest{sample("", 1)}},
		{"blank reference in a batch", []Manifest{sample("vo_OK", 1), sample("  ", 1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := RenderManifests(&buf, tc.ms...); err == nil {
				t.Error("Render succeeded, want an error")
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes on error", buf.Len())
			}
		})
	}
}
