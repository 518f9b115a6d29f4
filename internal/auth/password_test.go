package auth

import (
	"strings"
	"testing"
)

func TestPasswordHashing(t *testing.T) {
	h, err := hashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	p, salt, key, err := parseHash(h)
	if err != nil {
		t.Fatal(err)
	}
	// At or above OWASP's argon2id floor: 19 MiB, t=2, p=1.
	if p.memory < 19*1024 || p.time < 2 || p.threads < 1 || len(salt) < 16 || len(key) < 32 {
		t.Fatalf("parameters below the floor: %+v salt %d key %d", p, len(salt), len(key))
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$") {
		t.Fatalf("not a PHC argon2id hash: %s", h)
	}
	h2, _ := hashPassword("correct horse battery staple")
	if h == h2 {
		t.Fatal("two hashes of one password must differ (salt)")
	}
	for _, tc := range []struct {
		password string
		want     bool
	}{{"correct horse battery staple", true}, {"correct horse battery stapl", false}, {"", false}} {
		ok, err := checkPassword(h, tc.password)
		if err != nil || ok != tc.want {
			t.Errorf("%q: got %v, %v; want %v", tc.password, ok, err, tc.want)
		}
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=x$AAAA$AAAA"} {
		if _, err := checkPassword(bad, "x"); err == nil {
			t.Errorf("hash %q must be rejected", bad)
		}
	}
}
