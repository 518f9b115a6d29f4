package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

// No Docker runs where the tests run, so these tests do what docker compose
// would with docker-compose.yml: interpolate it with a .env, give each trove
// container its environment (the image's ENV, then env_file, then
// environment), and hand that and the service's command to the binary.

type composeService struct {
	Image       string            `json:"image"`
	Command     []string          `json:"command"`
	Profiles    []string          `json:"profiles"`
	Environment map[string]string `json:"environment"`
	EnvFile     []struct {
		Path     string `json:"path"`
		Required *bool  `json:"required"`
	} `json:"env_file"`
	DependsOn map[string]struct {
		Condition string `json:"condition"`
	} `json:"depends_on"`
	Ports   []string `json:"ports"`
	Volumes []string `json:"volumes"`
	Restart string   `json:"restart"`
}

type composeFile struct {
	Services map[string]composeService `json:"services"`
	Volumes  map[string]any            `json:"volumes"`
}

// loadCompose reads docker-compose.yml as compose would with dotenv as the
// project's .env (and nothing from the shell); nil dotenv is no .env file.
func loadCompose(t *testing.T, dotenv map[string]string) (composeFile, error) {
	t.Helper()
	var raw any
	if err := yaml.Unmarshal([]byte(readFile(t, "../../docker-compose.yml")), &raw); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	raw, err := interpolate(raw, dotenv)
	if err != nil {
		return composeFile{}, err
	}
	b, err := json.Marshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	var f composeFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("docker-compose.yml is not in the shape this test reads: %v", err)
	}
	return f, nil
}

var composeVar = regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

// interpolate substitutes variables in every string of v as the compose
// specification says: $$ is a $, ${NAME:-default} (unset or empty),
// ${NAME-default} (unset), ${NAME:?error} and ${NAME?error} fail,
// ${NAME:+other} and ${NAME+other}.
func interpolate(v any, vars map[string]string) (any, error) {
	switch v := v.(type) {
	case string:
		var errs []error
		out := composeVar.ReplaceAllStringFunc(v, func(m string) string {
			if m == "$$" {
				return "$"
			}
			sub := composeVar.FindStringSubmatch(m)
			name, op, arg := sub[1], sub[2], sub[3]
			if name == "" {
				name = sub[4]
			}
			val, set := vars[name]
			switch {
			case op == ":-" && val == "", op == "-" && !set:
				return arg
			case op == ":?" && val == "", op == "?" && !set:
				errs = append(errs, fmt.Errorf("required variable %s is missing a value: %s", name, arg))
				return ""
			case op == ":+":
				if val != "" {
					return arg
				}
				return ""
			case op == "+":
				if set {
					return arg
				}
				return ""
			}
			return val
		})
		return out, errors.Join(errs...)
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			y, err := interpolate(x, vars)
			if err != nil {
				return nil, err
			}
			out[k] = y
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			y, err := interpolate(x, vars)
			if err != nil {
				return nil, err
			}
			out[i] = y
		}
		return out, nil
	}
	return v, nil
}

// imageEnv is the ENV of the Dockerfile's last stage, the image's defaults.
func imageEnv(t *testing.T) map[string]string {
	t.Helper()
	env := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(readFile(t, "../../Dockerfile")))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "FROM "):
			clear(env) // a new stage
		case strings.HasPrefix(line, "ENV "):
			k, v, ok := strings.Cut(strings.TrimPrefix(line, "ENV "), "=")
			if !ok || strings.ContainsAny(k+v, ` "'\`) {
				t.Fatalf("Dockerfile: this test reads ENV lines of one unquoted KEY=value only, not %q", line)
			}
			env[k] = v
		}
	}
	return env
}

// containerEnv is what a trove container of svc sees: the image's ENV, then
// the env_file, then the service's environment, each over the one before.
func containerEnv(t *testing.T, svc composeService, dotenv map[string]string) map[string]string {
	t.Helper()
	env := imageEnv(t)
	for _, f := range svc.EnvFile {
		if f.Path != ".env" || f.Required == nil || *f.Required {
			t.Fatalf("env_file %q: want the optional .env only (required: false)", f.Path)
		}
		maps.Copy(env, dotenv)
	}
	maps.Copy(env, svc.Environment)
	return env
}

func dotenvOf(lines ...string) map[string]string {
	env := map[string]string{}
	for _, l := range lines {
		k, v, _ := strings.Cut(l, "=")
		env[k] = v
	}
	return env
}

// checkConfig runs the compose's config-check service as its container would
// (the binary's own `config check`), and returns what it printed.
func checkConfig(t *testing.T, f composeFile, dotenv map[string]string) (string, error) {
	t.Helper()
	svc := f.Services["config-check"]
	if len(svc.Command) < 2 || svc.Command[0] != "config" || svc.Command[1] != "check" {
		t.Fatalf("the config-check service runs %q, want config check", svc.Command)
	}
	var out bytes.Buffer
	err := run(context.Background(), svc.Command, envFrom(containerEnv(t, svc, dotenv)), &out, io.Discard)
	return out.String(), err
}

// The services and their order: config-check and migrate each finish before
// the app starts, so a bad setting stops `docker compose up` with its
// reasons instead of an app that exits (2) and is restarted again and again.
func TestComposeServices(t *testing.T) {
	f, err := loadCompose(t, dotenvOf("TROVE_SECRET_KEY="+testKey()))
	if err != nil {
		t.Fatal(err)
	}
	app, check, migrate, seed := f.Services["app"], f.Services["config-check"], f.Services["migrate"], f.Services["seed"]
	if len(app.Command) == 0 || app.Command[0] != "serve" {
		t.Fatalf("app runs %q, want serve", app.Command)
	}
	if want := append([]string{"config", "check"}, app.Command[1:]...); !slices.Equal(check.Command, want) {
		t.Errorf("config-check runs %q, want %q: the check must see the app's flags", check.Command, want)
	}
	if !slices.Equal(migrate.Command, []string{"migrate", "up"}) || !slices.Equal(seed.Command, []string{"seed"}) {
		t.Errorf("migrate runs %q, seed %q", migrate.Command, seed.Command)
	}
	completed := func(svc composeService, on string) bool {
		return svc.DependsOn[on].Condition == "service_completed_successfully"
	}
	if !completed(migrate, "config-check") || !completed(app, "config-check") || !completed(app, "migrate") || !completed(seed, "migrate") {
		t.Errorf("start order: migrate after config-check (%v), app after both (%v), seed after migrate (%v)",
			migrate.DependsOn, app.DependsOn, seed.DependsOn)
	}
	for name, svc := range map[string]composeService{"config-check": check, "migrate": migrate, "seed": seed} {
		if svc.Restart != "no" {
			t.Errorf("%s restarts %q: a one-shot job that fails must stay failed, not run again and again", name, svc.Restart)
		}
	}
	if !slices.Equal(seed.Profiles, []string{"demo"}) {
		t.Errorf("seed profiles %q: `up` must not load demo data by itself (a database may be real)", seed.Profiles)
	}

	// One set of settings for every trove container, of variables the
	// binary reads (a misspelt one would be silently ignored).
	_, e := parseConfig(envFrom(nil), configNeeds{})
	read := map[string]bool{}
	for _, name := range e.read {
		read[name] = true
	}
	for name, svc := range f.Services {
		if svc.Image != app.Image {
			continue
		}
		if !maps.Equal(svc.Environment, app.Environment) || len(svc.EnvFile) != len(app.EnvFile) {
			t.Errorf("%s has other settings than app", name)
		}
		for k := range svc.Environment {
			if !read[k] {
				t.Errorf("%s sets %s, which the binary does not read", name, k)
			}
		}
	}
}

// docker compose up with nothing set: the sandbox providers, a
// configuration the binary accepts (the secret key made by the app and kept
// in the sandbox volume), and the sandbox's state on a volume.
func TestComposeStartsTheSandboxByDefault(t *testing.T) {
	// .env copied from deploy/env.example may name the local folders; the
	// compose file's mount points win over them.
	for name, dotenv := range map[string]map[string]string{
		"no .env":             nil,
		".env naming folders": dotenvOf("TROVE_SANDBOX_DIR=.data/sandbox", "TROVE_BLOB_DIR=.data/blobs"),
		".env with a key":     dotenvOf("TROVE_SECRET_KEY=" + testKey()),
	} {
		t.Run(name, func(t *testing.T) { composeStartsTheSandbox(t, dotenv) })
	}
}

func composeStartsTheSandbox(t *testing.T, dotenv map[string]string) {
	f, err := loadCompose(t, dotenv)
	if err != nil {
		t.Fatal(err)
	}
	out, err := checkConfig(t, f, dotenv)
	if err != nil {
		t.Fatalf("config-check refuses the compose file's settings:\n%v", err)
	}
	if !strings.Contains(out, "trove serve --sandbox") {
		t.Errorf("config-check said:\n%s", out)
	}
	if _, set := dotenv["TROVE_SECRET_KEY"]; !set && !strings.Contains(out, "secret key") {
		t.Errorf("config-check does not say where the secret key is kept:\n%s", out)
	}

	app := f.Services["app"]
	opts, err := serveArgs("serve", app.Command[1:], io.Discard)
	if err != nil || !opts.sandbox {
		t.Fatalf("app runs %q: want the sandbox providers by default (%v)", app.Command, err)
	}
	cfg, err := loadConfig(envFrom(containerEnv(t, app, dotenv)), serveNeeds(opts))
	if err != nil {
		t.Fatalf("serve refuses the app's settings:\n%v", err)
	}
	if !strings.HasSuffix(cfg.Stripe.APIBase, "/sandbox/stripe") || !strings.HasSuffix(cfg.Shopify.Endpoint, "/sandbox/shopify") {
		t.Errorf("stripe %q, shopify %q: want the stand-ins", cfg.Stripe.APIBase, cfg.Shopify.Endpoint)
	}
	// The stand-ins' state and the documents outlive the container.
	for what, dir := range map[string]string{"TROVE_SANDBOX_DIR": cfg.SandboxDir, "TROVE_BLOB_DIR": cfg.BlobDir} {
		mounted := slices.ContainsFunc(app.Volumes, func(v string) bool {
			name, target, _ := strings.Cut(v, ":")
			_, named := f.Volumes[name]
			return named && target == dir
		})
		if !mounted {
			t.Errorf("%s is %q, where app mounts no named volume (volumes: %q)", what, dir, app.Volumes)
		}
	}
	_, port, _ := strings.Cut(cfg.HTTPAddr, ":")
	if !slices.Contains(app.Ports, port+":"+port) || cfg.PublicURL.String() != "http://localhost:"+port {
		// The app calls its stand-ins at the public URL from inside the
		// container: the published port must be the one it listens on.
		t.Errorf("listen %s, public URL %s, ports %q", cfg.HTTPAddr, cfg.PublicURL, app.Ports)
	}
	for _, name := range []string{"migrate", "seed"} {
		if _, err := loadConfig(envFrom(containerEnv(t, f.Services[name], dotenv)), configNeeds{database: true}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Real providers: TROVE_SANDBOX=0 and their settings in .env.
func TestComposeUsesRealProvidersFromDotEnv(t *testing.T) {
	secrets := []string{"sk_test_51RealKeyFromDotEnv", "whsec_real_from_dotenv", "shpss_real_secret", "xero-real-secret", "whsec_real_connect"}
	dotenv := dotenvOf(
		"TROVE_SECRET_KEY="+testKey(),
		"TROVE_SANDBOX=0",
		"TROVE_PUBLIC_URL=https://trove.example.com",
		"TROVE_STRIPE_SECRET_KEY="+secrets[0],
		"TROVE_STRIPE_PUBLISHABLE_KEY=pk_test_51RealKeyFromDotEnv",
		"TROVE_STRIPE_WEBHOOK_SECRET="+secrets[1],
		"TROVE_STRIPE_CONNECT_WEBHOOK_SECRET="+secrets[4],
		"TROVE_SHOPIFY_API_KEY=real-shopify-client-id",
		"TROVE_SHOPIFY_API_SECRET="+secrets[2],
		"TROVE_XERO_CLIENT_ID=real-xero-client-id",
		"TROVE_XERO_CLIENT_SECRET="+secrets[3],
	)
	f, err := loadCompose(t, dotenv)
	if err != nil {
		t.Fatal(err)
	}
	out, err := checkConfig(t, f, dotenv)
	if err != nil {
		t.Fatalf("config-check refuses real providers' settings:\n%v", err)
	}
	if !strings.Contains(out, "real: Stripe (test mode key)") || strings.Contains(out, "--sandbox") {
		t.Errorf("config-check said:\n%s", out)
	}
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("config-check printed a secret:\n%s", out)
		}
	}

	app := f.Services["app"]
	opts, err := serveArgs("serve", app.Command[1:], io.Discard)
	if err != nil || opts.sandbox {
		t.Fatalf("app runs %q with TROVE_SANDBOX=0: want no sandbox (%v)", app.Command, err)
	}
	cfg, err := loadConfig(envFrom(containerEnv(t, app, dotenv)), serveNeeds(opts))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Stripe.APIBase != "" || cfg.Shopify.Endpoint != "" || cfg.Xero.APIBase != "" || cfg.Xero.IdentityBase != "" {
		t.Errorf("stand-in addresses with real providers: %q %q %q %q", cfg.Stripe.APIBase, cfg.Shopify.Endpoint, cfg.Xero.APIBase, cfg.Xero.IdentityBase)
	}
	if cfg.Stripe.SecretKey != secrets[0] || cfg.Shopify.APIKey != "real-shopify-client-id" || cfg.Xero.ClientID != "real-xero-client-id" ||
		cfg.PublicURL.String() != "https://trove.example.com" {
		t.Errorf(".env did not reach the app: stripe %q, shopify %q, xero %q, public URL %s",
			cfg.Stripe.SecretKey, cfg.Shopify.APIKey, cfg.Xero.ClientID, cfg.PublicURL)
	}
}

// TROVE_SANDBOX=0 without the providers' settings: config-check fails (exit
// 2 from main) naming each missing one, and the app, which waits for it to
// succeed, is not started.
func TestComposeStopsAtConfigCheck(t *testing.T) {
	dotenv := dotenvOf("TROVE_SECRET_KEY="+testKey(), "TROVE_SANDBOX=false")
	f, err := loadCompose(t, dotenv)
	if err != nil {
		t.Fatal(err)
	}
	_, err = checkConfig(t, f, dotenv)
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("config-check: %v, want a *ConfigError", err)
	}
	for _, name := range []string{"TROVE_STRIPE_SECRET_KEY", "TROVE_STRIPE_WEBHOOK_SECRET", "TROVE_STRIPE_CONNECT_WEBHOOK_SECRET",
		"TROVE_SHOPIFY_API_KEY", "TROVE_XERO_CLIENT_ID"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("%s is not named in:\n%v", name, err)
		}
	}
}

// With real providers and no secret key, config-check refuses and says how
// to make one (the sandbox's own key is for the sandbox only).
func TestComposeRealProvidersNeedTheSecretKey(t *testing.T) {
	dotenv := dotenvOf("TROVE_SANDBOX=0")
	f, err := loadCompose(t, dotenv)
	if err != nil {
		t.Fatal(err)
	}
	_, err = checkConfig(t, f, dotenv)
	if err == nil || !strings.Contains(err.Error(), "TROVE_SECRET_KEY") || !strings.Contains(err.Error(), "head -c 32 /dev/urandom | base64") {
		t.Fatalf("got %v, want config-check to refuse and say how to make TROVE_SECRET_KEY", err)
	}
}

// `trove config check` takes serve's flags and nothing else.
func TestConfigCheckCommandLine(t *testing.T) {
	env := envFrom(map[string]string{"TROVE_DATABASE_URL": "trove:pw@tcp(db:3306)/trove", "TROVE_SECRET_KEY": testKey()})
	for _, args := range [][]string{{"config"}, {"config", "show"}, {"config", "check", "--sandbox=maybe"}, {"config", "check", "extra"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var ue usageError
			if err := run(context.Background(), args, env, io.Discard, io.Discard); !errors.As(err, &ue) {
				t.Fatalf("got %v, want a usage error", err)
			}
		})
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"config", "check", "--sandbox"}, env, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), testKey()) || strings.Contains(out.String(), "pw@") {
		t.Errorf("a secret was printed:\n%s", out.String())
	}
	var ce *ConfigError
	if err := run(context.Background(), []string{"config", "check"}, env, io.Discard, io.Discard); !errors.As(err, &ce) {
		t.Fatalf("without --sandbox and without providers: %v, want a *ConfigError", err)
	}
}
