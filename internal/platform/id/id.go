// Package id makes the platform's object ids: a short type prefix and a ULID,
// such as "ven_01jd8x3k5q9v7w2n4m6p8r0t2y". Ids are made by the application, not
// the database, so an id is known before its row is written: a job, an
// idempotency key or a Stripe transfer_group can name it in the same transaction.
// ULIDs sort by creation time and cannot be guessed from a neighbour.
package id

import (
	"strings"

	"github.com/oklog/ulid/v2"
)

// New returns a fresh id with the given prefix.
func New(prefix string) string {
	return prefix + "_" + strings.ToLower(ulid.Make().String())
}
