// Package migrations embeds the goose SQL migrations so the binary carries its
// own schema. File names start with a UTC timestamp version
// (`trove migrate create NAME` makes one); never edit a migration that has landed:
// add a new one.
package migrations

import "embed"

// FS holds every *.sql migration in this folder.
//
//go:embed *.sql
var FS embed.FS
