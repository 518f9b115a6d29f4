// Package web carries the built browser apps inside the binary. `make` builds
// them (npm ci && npm run build in web/, an npm workspace of storefront,
// vendor-admin and their shared package) before `go build`; in a clone that
// has not been built, each dist folder holds only .gitkeep and the server says
// so instead of serving a page.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:storefront/dist all:vendor-admin/dist
var dist embed.FS

// Storefront returns the buyer app's built files.
func Storefront() fs.FS { return sub("storefront/dist") }

// VendorAdmin returns the vendor and operator app's built files.
func VendorAdmin() fs.FS { return sub("vendor-admin/dist") }

func sub(dir string) fs.FS {
	f, err := fs.Sub(dist, dir)
	if err != nil {
		panic(err) // the embed pattern above guarantees the folder exists
	}
	return f
}
