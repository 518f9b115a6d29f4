package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/trove-platform/trove/internal/platform/fault"
)

// Argon2id parameters: OWASP's floor is 19 MiB, t=2, p=1; we sit above it on
// memory. The parameters are stored in every hash, so raising them later only
// affects new hashes (and NeedsRehash tells when to upgrade old ones).
const (
	argonMemoryKiB = 64 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

// Password lengths. The maximum keeps absurd inputs (a JSON body may be up
// to a MiB) from being hashed at all; 1024 bytes is far beyond any passphrase.
const (
	minPasswordChars = 12
	maxPasswordBytes = 1024
)

var errBadHash = errors.New("auth: malformed password hash")

// checkNewPassword records what is wrong with a password being chosen.
func checkNewPassword(f *fault.Fields, field, password string) {
	f.Check(utf8.RuneCountInString(password) >= minPasswordChars, field, "must be at least %d characters", minPasswordChars)
	f.Check(len(password) <= maxPasswordBytes, field, "must be at most %d bytes", maxPasswordBytes)
}

// hashPassword returns a PHC-format argon2id hash of password. It takes 64
// MiB while it runs: call it through a Hasher, which bounds how many run.
func hashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

type argonParams struct {
	memory  uint32
	time    uint32
	threads uint8
}

func parseHash(hash string) (argonParams, []byte, []byte, error) {
	var p argonParams
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil {
		return p, nil, nil, errBadHash
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, errBadHash
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) == 0 {
		return p, nil, nil, errBadHash
	}
	return p, salt, key, nil
}

// checkPassword reports whether password matches hash, in constant time. Like
// hashPassword, call it through a Hasher.
func checkPassword(hash, password string) (bool, error) {
	p, salt, key, err := parseHash(hash)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}
