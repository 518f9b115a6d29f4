package fulfilment

// Packing manifests as PDF: what a vendor prints and puts
// in the parcel for its part of a paid order, or a day's batch of them.
//
// The renderer is pure: data in, PDF bytes out, no database, clock or
// network; manifests.go decides when to render and where to keep the file.
//
// Choices:
//
//   - github.com/go-pdf/fpdf rather than maroto: maroto is a grid layout on top
//     of fpdf (gofpdf) that adds a dependency tree and its own page model, but a
//     packing slip is one fixed layout; fpdf's cells, MultiCell, page-break and
//     footer hooks are all it needs, and keeping to the lower layer gives direct
//     control over page breaks (table rows, the gift message) and page aliases.
//   - Fonts: fpdf's core fonts (Helvetica, …) only know cp1252, and gift
//     messages and addresses are any UTF-8. The Go fonts (goregular, gobold from
//     golang.org/x/image) are embedded as UTF-8 TrueType fonts: no font files to
//     ship, and they cover Latin, Greek and Cyrillic. Characters they lack (emoji,
//     CJK) are drawn as a white square rather than breaking the render.
//   - The QR code (github.com/boombuler/barcode/qr) encodes the vendor order
//     reference, so a scanner at the packing bench finds the order.
//   - Output is deterministic for the same input: the document dates come from
//     the first manifest's PlacedAt, not the clock.

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"io"
	"strings"
	"time"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"
	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
)

// ManifestAddress is where a parcel goes.
type ManifestAddress struct {
	Name, Company, Line1, Line2, City, Region, PostalCode, Country, Phone string
}

// ManifestItem is one line of a vendor order.
type ManifestItem struct {
	SKU, Title, Variant string
	Quantity            int
}

// Manifest is what one vendor order's packing slip shows.
type Manifest struct {
	Platform     string // "Trove"
	VendorName   string
	Reference    string     // the vendor order id, shown large and encoded as a QR code
	OrderID      string     // the buyer's order id
	PlacedAt     time.Time  // shown as a date (UTC)
	DeliveryDate *time.Time // optional "deliver by"
	Recipient    ManifestAddress
	Items        []ManifestItem
	GiftMessage  string // may be long and multi-line, any UTF-8
}

// Page geometry, in millimetres (A4 portrait).
const (
	pageW, pageH = 210.0, 297.0
	margin       = 15.0
	bottom       = 20.0 // room for the footer
	contentW     = pageW - 2*margin
	qrSize       = 36.0
	colSKU       = 45.0
	colQty       = 22.0
	colTitle     = contentW - colSKU - colQty
	lineH        = 5.5
	font         = "go"
	missingGlyph = '□' // U+25A1, in the Go fonts
)

// Render writes a PDF with one page (or more, if the items overflow) per
// manifest, in the order given. One manifest is a vendor order's packing slip;
// several are the vendor's batch for a day. Pages are numbered within each
// manifest ("Reference X · page n of m"), so a batch can be split into slips.
func RenderManifests(w io.Writer, ms ...Manifest) error {
	if len(ms) == 0 {
		return errors.New("manifest: nothing to render")
	}
	for i, m := range ms {
		if strings.TrimSpace(m.Reference) == "" {
			return fmt.Errorf("manifest: manifest %d has no reference", i+1)
		}
	}
	glyphs, err := sfnt.Parse(goregular.TTF)
	if err != nil {
		return fmt.Errorf("manifest: parse font: %w", err)
	}
	r := &renderer{
		pdf:   fpdf.New("P", "mm", "A4", ""),
		clean: cleaner(glyphs),
	}
	pdf := r.pdf
	pdf.AddUTF8FontFromBytes(font, "", goregular.TTF)
	pdf.AddUTF8FontFromBytes(font, "B", gobold.TTF)
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(true, bottom)
	stamp := ms[0].PlacedAt.UTC()
	if stamp.IsZero() {
		stamp = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	pdf.SetCatalogSort(true) // fonts and images in a fixed order: same input, same bytes
	pdf.SetCreationDate(stamp)
	pdf.SetModificationDate(stamp)
	title := "Packing manifest " + ms[0].Reference
	if len(ms) > 1 {
		title = fmt.Sprintf("Packing manifests (%d)", len(ms))
	}
	pdf.SetTitle(r.clean(title), true)
	pdf.SetAuthor(r.clean(strings.TrimSpace(ms[0].Platform+" · "+ms[0].VendorName)), true)
	pdf.SetCreator(r.clean(ms[0].Platform), true)
	pdf.SetHeaderFunc(r.header)
	pdf.SetFooterFunc(r.footer)

	for i := range ms {
		r.render(i, &ms[i])
	}
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	return pdf.Output(w)
}

// renderer holds one Render call's document and which manifest each page
// belongs to (fpdf calls the footer of a page only when the next one starts).
type renderer struct {
	pdf   *fpdf.Fpdf
	clean func(string) string
	cur   *Manifest
	idx   int
	first int             // first page of the current manifest
	owner map[int]pageRef // page number -> its manifest
}

type pageRef struct {
	ref   string
	idx   int
	first int
}

func (r *renderer) render(idx int, m *Manifest) {
	pdf := r.pdf
	r.cur, r.idx = m, idx
	r.first = pdf.PageNo() + 1
	pdf.AddPage()

	// Header: platform, vendor, "Packing manifest".
	pdf.SetTextColor(90, 90, 90)
	r.text("B", 11, contentW/2, 6, m.Platform, "L", false)
	r.text("B", 11, contentW/2, 6, "Packing manifest", "R", true)
	pdf.SetTextColor(0, 0, 0)
	r.text("B", 18, contentW, 9, m.VendorName, "L", true)
	r.rule()

	// Reference, order id and dates on the left, QR code on the right.
	top := pdf.GetY() + 2
	r.qr(m.Reference, pageW-margin-qrSize, top)
	pdf.SetY(top)
	leftW := contentW - qrSize - 5
	r.text("", 9, leftW, 5, "Reference", "L", true)
	r.text("B", 20, leftW, 10, m.Reference, "L", true)
	r.field(leftW, "Order", m.OrderID)
	r.field(leftW, "Placed", date(m.PlacedAt))
	if m.DeliveryDate != nil {
		r.field(leftW, "Deliver by", date(*m.DeliveryDate))
	}
	pdf.SetY(max(pdf.GetY(), top+qrSize) + 4)

	// Ship to.
	r.heading("Ship to")
	for _, l := range addressLines(m.Recipient) {
		r.text("", 11, contentW, lineH, l, "L", true)
	}
	pdf.Ln(4)

	// Items.
	r.heading("Items")
	r.tableHeader()
	units := 0
	for _, it := range m.Items {
		r.row(it)
		units += it.Quantity
	}
	r.text("B", 11, colSKU+colTitle, 7, "Total units", "R", false)
	r.text("B", 11, colQty, 7, fmt.Sprint(units), "R", true)
	pdf.Ln(4)

	// Gift message, kept on one page when it fits on one.
	msg := strings.TrimSpace(strings.ReplaceAll(m.GiftMessage, "\r\n", "\n"))
	if msg == "" {
		msg = "(none)"
	}
	pdf.SetFont(font, "", 11)
	lines := len(pdf.SplitText(r.clean(msg), contentW))
	if h := 8 + float64(lines)*lineH + 4; pdf.GetY()+h > pageH-bottom && h < pageH-bottom-margin {
		pdf.AddPage()
	}
	r.heading("Gift message")
	pdf.SetFont(font, "", 11)
	pdf.MultiCell(contentW, lineH, r.clean(msg), "1", "L", false)

	pdf.RegisterAlias(pagesAlias(idx), fmt.Sprint(pdf.PageNo()-r.first+1))
}

// header runs at the start of every page: it records the page's manifest and,
// on a continuation page, repeats who and what the page is for.
func (r *renderer) header() {
	if r.owner == nil {
		r.owner = map[int]pageRef{}
	}
	n := r.pdf.PageNo()
	r.owner[n] = pageRef{ref: r.cur.Reference, idx: r.idx, first: r.first}
	if n == r.first {
		return
	}
	r.pdf.SetTextColor(90, 90, 90)
	r.text("", 9, contentW, 5, strings.Join(nonEmpty(r.cur.Platform, r.cur.VendorName, "Packing manifest", r.cur.Reference+" (continued)"), " · "), "L", true)
	r.pdf.SetTextColor(0, 0, 0)
	r.rule()
}

func (r *renderer) footer() {
	p := r.owner[r.pdf.PageNo()]
	r.pdf.SetY(-14)
	r.pdf.SetTextColor(90, 90, 90)
	// The page count of a manifest is known only once it is drawn: an alias,
	// replaced when the document is written.
	// Centre it on a stand-in for the count: fpdf measures the alias itself.
	s := r.clean(fmt.Sprintf("Reference %s · page %d of ", p.ref, r.pdf.PageNo()-p.first+1))
	r.pdf.SetFont(font, "", 9)
	r.pdf.SetX((pageW - r.pdf.GetStringWidth(s+"0")) / 2)
	r.pdf.CellFormat(0, 5, s+pagesAlias(p.idx), "", 1, "L", false, 0, "")
	r.pdf.SetTextColor(0, 0, 0)
}

func pagesAlias(idx int) string { return fmt.Sprintf("{pages%d}", idx) }

func (r *renderer) tableHeader() {
	r.pdf.SetFillColor(230, 230, 230)
	r.text("B", 10, colSKU, 7, "SKU", "L", false, true)
	r.text("B", 10, colTitle, 7, "Item", "L", false, true)
	r.text("B", 10, colQty, 7, "Qty", "R", true, true)
}

// row draws one item; a row that does not fit starts a new page with the
// table header repeated.
func (r *renderer) row(it ManifestItem) {
	pdf := r.pdf
	pdf.SetFont(font, "", 10)
	title := it.Title
	if it.Variant != "" {
		title += " — " + it.Variant
	}
	sku := pdf.SplitText(r.clean(it.SKU), colSKU)
	desc := pdf.SplitText(r.clean(title), colTitle)
	n := max(len(sku), len(desc), 1)
	h := float64(n)*lineH + 1.5
	if pdf.GetY()+h > pageH-bottom {
		pdf.AddPage()
		r.tableHeader()
	}
	x, y := pdf.GetX(), pdf.GetY()
	pdf.MultiCell(colSKU, lineH, strings.Join(sku, "\n"), "", "L", false)
	pdf.SetXY(x+colSKU, y)
	pdf.MultiCell(colTitle, lineH, strings.Join(desc, "\n"), "", "L", false)
	pdf.SetXY(x+colSKU+colTitle, y)
	pdf.CellFormat(colQty, lineH, fmt.Sprint(it.Quantity), "", 0, "R", false, 0, "")
	pdf.SetDrawColor(200, 200, 200)
	pdf.Line(x, y+h, x+contentW, y+h)
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetXY(x, y+h)
}

// qr draws the reference as a QR code image. Each image in a document gets a
// different pixel width (300 + the manifest's index; the extra is white
// margin): fpdf writes images ordered by width only, so equal widths would come
// out in map order and the same input would not give the same bytes.
func (r *renderer) qr(ref string, x, y float64) {
	code, err := qr.Encode(ref, qr.M, qr.Auto)
	if err == nil {
		code, err = barcode.Scale(code, 300+r.idx, 300+r.idx)
	}
	var buf bytes.Buffer
	if err == nil {
		err = png.Encode(&buf, code)
	}
	if err != nil {
		r.pdf.SetError(fmt.Errorf("qr code for %q: %w", ref, err))
		return
	}
	name := "qr-" + ref
	opt := fpdf.ImageOptions{ImageType: "PNG"}
	r.pdf.RegisterImageOptionsReader(name, opt, &buf)
	r.pdf.ImageOptions(name, x, y, qrSize, qrSize, false, opt, 0, "")
}

// text draws one cell of cleaned text; fill is optional.
func (r *renderer) text(style string, size, w, h float64, s, align string, newline bool, fill ...bool) {
	r.pdf.SetFont(font, style, size)
	ln := 0
	if newline {
		ln = 1
	}
	r.pdf.CellFormat(w, h, r.clean(s), "", ln, align, len(fill) > 0 && fill[0], 0, "")
}

func (r *renderer) field(w float64, label, value string) {
	r.text("B", 11, 25, 6, label, "L", false)
	r.text("", 11, w-25, 6, value, "L", true)
}

func (r *renderer) heading(s string) {
	r.text("B", 12, contentW, 8, s, "L", true)
}

func (r *renderer) rule() {
	y := r.pdf.GetY() + 1
	r.pdf.Line(margin, y, pageW-margin, y)
	r.pdf.SetY(y + 2)
}

func addressLines(a ManifestAddress) []string {
	city := strings.Join(nonEmpty(a.City, strings.Join(nonEmpty(a.Region, a.PostalCode), " ")), ", ")
	return nonEmpty(a.Name, a.Company, a.Line1, a.Line2, city, a.Country, a.Phone)
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2 Jan 2006")
}

// cleaner returns a function that makes text safe to draw with the Go fonts:
// tabs become spaces, other control characters (but newlines) go, and a
// character the font has no glyph for becomes missingGlyph (fpdf would
// otherwise index past its width table and fail).
func cleaner(f *sfnt.Font) func(string) string {
	var buf sfnt.Buffer
	return func(s string) string {
		return strings.Map(func(c rune) rune {
			switch {
			case c == '\n':
				return c
			case c == '\t':
				return ' '
			case c < ' ' || c == 0x7f:
				return -1
			case c >= 0xFE00 && c <= 0xFE0F, c == 0x200D: // emoji variation selectors, joiners
				return -1
			}
			if g, err := f.GlyphIndex(&buf, c); err != nil || g == 0 {
				return missingGlyph
			}
			return c
		}, s)
	}
}
