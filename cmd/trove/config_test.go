package main

import (
	"bufio"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestConfigDefaults(t *testing.T) {
	cfg, err := loadConfig(envFrom(map[string]string{
		"TROVE_DATABASE_URL": "trove:pw@tcp(db:3306)/trove",
		"TROVE_SECRET_KEY":   testKey(),
	}), configNeeds{database: true, secret: true})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTPAddr != "127.0.0.1:8080" || cfg.ShutdownTimeout != 20*time.Second || cfg.AutoMigrate || cfg.PublicURL.String() != "http://localhost:8080" || len(cfg.SecretKey) != 32 {
		t.Fatalf("defaults: %+v", cfg)
	}
}

func TestConfigReportsEveryProblemAtOnce(t *testing.T) {
	const password = "hunter2-secret"
	_, err := loadConfig(envFrom(map[string]string{
		"TROVE_DATABASE_URL":         "not a dsn " + password,
		"TROVE_HTTP_ADDR":            "8080",
		"TROVE_PUBLIC_URL":           "ftp://example.com/x",
		"TROVE_SECRET_KEY":           "c2hvcnQ=", // "short"
		"TROVE_SECRET_KEYS_PREVIOUS": "!!!," + testKey(),
		"TROVE_LOG_LEVEL":            "chatty",
		"TROVE_SHUTDOWN_TIMEOUT":     "-3s",
		"TROVE_AUTO_MIGRATE":         "perhaps",
		"TROVE_DB_MAX_OPEN_CONNS":    "lots",
		"TROVE_DB_MAX_IDLE_CONNS":    "100",
		"TROVE_SEED_ADMIN_PASSWORD":  "short",
	}), configNeeds{database: true, secret: true})
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want a *ConfigError", err)
	}
	for _, name := range []string{"TROVE_DATABASE_URL", "TROVE_HTTP_ADDR", "TROVE_PUBLIC_URL", "TROVE_SECRET_KEY:",
		"TROVE_SECRET_KEYS_PREVIOUS (item 1)", "TROVE_LOG_LEVEL", "TROVE_SHUTDOWN_TIMEOUT", "TROVE_AUTO_MIGRATE",
		"TROVE_DB_MAX_OPEN_CONNS", "TROVE_DB_MAX_IDLE_CONNS", "TROVE_SEED_ADMIN_PASSWORD"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("no problem reported for %s in:\n%v", name, err)
		}
	}
	if len(ce.Problems) != 11 {
		t.Errorf("got %d problems, want 11:\n%v", len(ce.Problems), err)
	}
	if strings.Contains(err.Error(), password) || strings.Contains(err.Error(), "c2hvcnQ=") {
		t.Errorf("a secret was echoed:\n%v", err)
	}
}

func TestConfigRequiredPerCommand(t *testing.T) {
	_, err := loadConfig(envFrom(nil), configNeeds{database: true})
	var ce *ConfigError
	if !errors.As(err, &ce) || len(ce.Problems) != 1 || !strings.Contains(ce.Problems[0], "TROVE_DATABASE_URL") {
		t.Fatalf("migrate needs only the database: %v", err)
	}
	if _, err := loadConfig(envFrom(nil), configNeeds{}); err != nil {
		t.Fatalf("nothing needed, nothing set: %v", err)
	}
}

// TestConfigXeroScopes: Trove asks for Xero's granular scopes by default
// (an app made after 2 March 2026 is refused accounting.transactions), and a
// TROVE_XERO_SCOPES that cannot cover its calls is refused at start.
func TestConfigXeroScopes(t *testing.T) {
	for _, tc := range []struct {
		name, scopes string
		want         []string // nil: a problem naming TROVE_XERO_SCOPES
	}{
		{"default", "", []string{"offline_access", "accounting.invoices", "accounting.payments", "accounting.contacts", "accounting.settings.read"}},
		{"set", "offline_access  accounting.invoices accounting.payments accounting.contacts",
			[]string{"offline_access", "accounting.invoices", "accounting.payments", "accounting.contacts"}},
		{"no payments", "offline_access accounting.invoices accounting.contacts", nil},
		{"no offline_access", "accounting.invoices accounting.payments accounting.contacts", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := loadConfig(envFrom(map[string]string{"TROVE_XERO_SCOPES": tc.scopes}), configNeeds{sandbox: true, providers: true})
			if tc.want == nil {
				var ce *ConfigError
				if !errors.As(err, &ce) || len(ce.Problems) != 1 || !strings.Contains(ce.Problems[0], "TROVE_XERO_SCOPES") {
					t.Fatalf("got %v, want one problem with TROVE_XERO_SCOPES", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(cfg.Xero.Scopes, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("scopes %q, want %q", cfg.Xero.Scopes, tc.want)
			}
		})
	}
}

// Every variable the code reads must be documented in deploy/env.example and in
// the README's configuration table.
func TestEveryVariableIsDocumented(t *testing.T) {
	_, e := parseConfig(envFrom(nil), configNeeds{database: true, secret: true})
	read := map[string]bool{}
	for _, name := range e.read {
		read[name] = true
	}
	if len(read) < 5 {
		t.Fatalf("config read only %v", e.read)
	}

	example := readFile(t, "../../deploy/env.example")
	documented := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(example))
	varLine := regexp.MustCompile(`^#?\s*(TROVE_[A-Z0-9_]+)=`)
	for sc.Scan() {
		if m := varLine.FindStringSubmatch(sc.Text()); m != nil {
			documented[m[1]] = true
		}
	}
	readme := readFile(t, "../../README.md")
	for name := range read {
		if !documented[name] {
			t.Errorf("%s is read by config.go but missing from deploy/env.example", name)
		}
		if !strings.Contains(readme, "`"+name+"`") {
			t.Errorf("%s is read by config.go but missing from the README's configuration table", name)
		}
	}
	for name := range documented {
		if !read[name] {
			t.Errorf("deploy/env.example documents %s, which config.go does not read", name)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
