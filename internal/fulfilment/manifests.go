package fulfilment

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/queue"
)

// Link is a short-lived download link.
type Link struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// OnChanged is the orders.fulfilment_changed handler: the vendor order's
// manifest is rendered again if it no longer shows the order as it is.
func (s *Service) OnChanged(ctx context.Context, _ queue.Meta, j orders.FulfilmentChanged) error {
	f, err := s.orders.VendorOrderByID(ctx, j.VendorOrderID)
	if err != nil {
		return queue.PermanentIfNotFound(err)
	}
	_, err = s.manifest(ctx, f)
	return err
}

// manifest returns the key of the vendor order's current manifest, rendering
// and storing it first when the stored one is missing or stale. Each version
// has a key of its own, so a link handed out earlier keeps showing what it
// showed, and two renders of one version write the same bytes.
func (s *Service) manifest(ctx context.Context, f orders.VendorOrder) (string, error) {
	if manifestCurrent(f) {
		return manifestKey(f, f.ManifestRendered), nil
	}
	var pdf bytes.Buffer
	if err := RenderManifests(&pdf, s.manifestOf(f)); err != nil {
		return "", fmt.Errorf("fulfilment: render manifest of %s: %w", f.ID, err)
	}
	key := manifestKey(f, f.ManifestVersion)
	if err := s.blobs.Put(ctx, key, pdf.Bytes(), "application/pdf"); err != nil {
		return "", fmt.Errorf("fulfilment: store manifest of %s: %w", f.ID, err)
	}
	if err := s.orders.RecordManifest(ctx, f.ID, f.ManifestVersion); err != nil {
		return "", err
	}
	return key, nil
}

// manifestCurrent reports whether the stored manifest shows the vendor order
// as it is.
func manifestCurrent(f orders.VendorOrder) bool {
	return f.ManifestRendered > 0 && f.ManifestRendered >= f.ManifestVersion
}

// manifestKey is where a version of a vendor order's manifest is stored.
func manifestKey(f orders.VendorOrder, version int) string {
	return fmt.Sprintf("manifests/%s/%s/v%d.pdf", f.VendorID, f.ID, version)
}

// manifestOf is the packing slip of a vendor order: what is left to pack
// (refunded units are off it).
func (s *Service) manifestOf(f orders.VendorOrder) Manifest {
	r := f.Recipient
	m := Manifest{Platform: s.cfg.Platform, VendorName: f.Vendor.Name, Reference: f.ID, OrderID: f.OrderID, PlacedAt: f.PlacedAt,
		GiftMessage: f.GiftMessage, Recipient: ManifestAddress{Name: r.Name, City: r.City, Region: r.Region, PostalCode: r.PostalCode,
			Country: r.Country}}
	if len(r.AddressLines) > 0 {
		m.Recipient.Line1 = r.AddressLines[0]
	}
	if len(r.AddressLines) > 1 {
		m.Recipient.Line2 = r.AddressLines[1]
	}
	if f.DeliveryDate != "" {
		if d, err := time.Parse(time.DateOnly, f.DeliveryDate); err == nil {
			m.DeliveryDate = &d
		}
	}
	for _, l := range f.Lines {
		if q := l.Quantity - l.RefundedQuantity; q > 0 {
			m.Items = append(m.Items, ManifestItem{SKU: l.SKU, Title: l.Title, Variant: l.VariantTitle, Quantity: q})
		}
	}
	return m
}

// ManifestLink returns a short-lived link to the vendor order's packing
// manifest. vendorID "" is an operator's request (any vendor's order); a
// vendor's own request for another vendor's order is not found.
func (s *Service) ManifestLink(ctx context.Context, vendorID, vendorOrderID string) (Link, error) {
	f, err := s.vendorOrder(ctx, vendorID, vendorOrderID)
	if err != nil {
		return Link{}, err
	}
	if f.Status == orders.VendorOrderPending {
		return Link{}, fault.Conflict("vendor order %s is not paid yet: it has no manifest", f.ID)
	}
	return s.link(ctx, f, s.cfg.LinkTTL)
}

func (s *Service) link(ctx context.Context, f orders.VendorOrder, ttl time.Duration) (Link, error) {
	key, err := s.manifest(ctx, f)
	if err != nil {
		return Link{}, err
	}
	url, exp, err := s.blobs.URL(ctx, key, ttl, "manifest-"+f.ID+".pdf")
	if err != nil {
		return Link{}, err
	}
	return Link{URL: url, ExpiresAt: exp}, nil
}

// BatchLink renders one PDF with the manifests of all the vendor's orders
// accepted on day (UTC) that still need packing or shipping, and returns a
// short-lived link to it. It renders at the request: the batch is what is
// open now, and a vendor asking for it is waiting to print.
func (s *Service) BatchLink(ctx context.Context, vendorID string, day time.Time) (Link, int, error) {
	fs, err := s.orders.OpenVendorOrdersOfDay(ctx, vendorID, day)
	if err != nil {
		return Link{}, 0, err
	}
	if len(fs) == 0 {
		return Link{}, 0, fault.NotFound("no open orders were accepted on %s", day.Format(time.DateOnly))
	}
	ms := make([]Manifest, len(fs))
	h := sha256.New()
	for i, f := range fs {
		ms[i] = s.manifestOf(f)
		fmt.Fprintf(h, "%s:%d;", f.ID, f.ManifestVersion)
	}
	var pdf bytes.Buffer
	if err := RenderManifests(&pdf, ms...); err != nil {
		return Link{}, 0, fmt.Errorf("fulfilment: render batch: %w", err)
	}
	date := day.Format(time.DateOnly)
	key := fmt.Sprintf("manifests/%s/batch-%s-%s.pdf", vendorID, date, hex.EncodeToString(h.Sum(nil))[:16])
	if err := s.blobs.Put(ctx, key, pdf.Bytes(), "application/pdf"); err != nil {
		return Link{}, 0, fmt.Errorf("fulfilment: store batch: %w", err)
	}
	url, exp, err := s.blobs.URL(ctx, key, s.cfg.LinkTTL, "manifests-"+date+".pdf")
	if err != nil {
		return Link{}, 0, err
	}
	return Link{URL: url, ExpiresAt: exp}, len(fs), nil
}
