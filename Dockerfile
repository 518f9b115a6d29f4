# syntax=docker/dockerfile:1
#
# The trove image: one static binary with the migrations and both web apps
# embedded, on a distroless base with no shell.
#
#   docker build -t trove --build-arg VERSION=$(git describe --tags --always) .
#   docker run --rm trove version
#   docker run --rm -p 8080:8080 -e TROVE_DATABASE_URL=... -e TROVE_SECRET_KEY=... trove
#
# Needs BuildKit (the default builder since Docker 23): the cache mounts below
# and the --platform=$BUILDPLATFORM cross-build use it. Every TROVE_* setting is
# read at run time, none at build time: see deploy/env.example.

# --- web: build the two browser apps ------------------------------------------
# Node 24, the Active LTS line (supported until April 2028); the node:24 tag
# tracks its newest release. The apps use Vite 8, vitest 4 and TypeScript 7 and
# declare engines "^20.19.0 || >=22.12.0", so Node 22 (maintenance LTS) would do
# too; Node 20 reached its end of life in April 2026. Node only builds static
# files here and is not in the final image. The built files are plain
# HTML/JS/CSS, the same on every platform, so this stage always runs on the
# builder's own platform ($BUILDPLATFORM) and is shared when building images
# for several platforms.
FROM --platform=$BUILDPLATFORM node:24-bookworm-slim AS web

# web/ is an npm workspace (the shared package and the two apps, one
# package-lock.json). Only the manifests first, so `npm ci` stays a cached
# layer until a package.json or the package-lock.json changes; npm ci needs
# every workspace's package.json to link the workspaces. NODE_ENV is left unset
# on purpose: NODE_ENV=production would make `npm ci` skip the devDependencies
# (vite, typescript) that the build needs.
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
COPY web/shared/package.json ./shared/
COPY web/storefront/package.json ./storefront/
COPY web/vendor-admin/package.json ./vendor-admin/
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --no-audit --no-fund

# Then the sources, and one build of both apps (they share web/shared and the
# configs at web/'s root, so a change to either can affect both).
# .dockerignore keeps the host's node_modules and dist out of the context, so
# this COPY cannot overwrite what `npm ci` installed.
COPY web/ ./
RUN npm run build

# --- build: compile the Go binary ---------------------------------------------
# Runs on the builder's platform too and cross-compiles for the target one
# (CGO is off, so Go needs no C toolchain for that).
FROM --platform=$BUILDPLATFORM golang:1.26-bookworm AS build
# Use the Go in this image, never download another toolchain named by go.mod:
# a mismatch should fail here, loudly, not fetch a compiler mid-build.
ENV GOTOOLCHAIN=local
WORKDIR /src

# Modules first: this layer is reused until go.mod or go.sum changes.
COPY go.mod go.sum ./
RUN go mod download && go mod verify

COPY . .
# The Go package `web` embeds these folders (//go:embed all:storefront/dist
# all:vendor-admin/dist). The context brings only their .gitkeep placeholders
# (see .dockerignore); put the freshly built apps over them.
COPY --from=web /src/web/storefront/dist ./web/storefront/dist
COPY --from=web /src/web/vendor-admin/dist ./web/vendor-admin/dist

# Fail here, not at run time, if an app build produced no index.html (the
# server would otherwise start and say the app was not built).
RUN test -s web/storefront/dist/index.html && test -s web/vendor-admin/dist/index.html

# Declared late so that a new VERSION only re-runs the compile step below.
ARG VERSION=dev
# Set by BuildKit from --platform (default: the builder's platform).
ARG TARGETOS TARGETARCH
RUN --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} \
    go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/trove ./cmd/trove
# The local blob driver's folder and the sandbox providers' (serve --sandbox),
# made here because the runtime image has no shell: copied with the nonroot
# owner, each seeds a named volume mounted on it, which is then writable.
RUN mkdir -p /out/blobs /out/sandbox

# --- runtime ------------------------------------------------------------------
# distroless/static: no shell and no package manager, but it has CA
# certificates (outgoing HTTPS to Shopify, Stripe, Xero), tzdata and an
# /etc/passwd with the nonroot user (65532).
FROM gcr.io/distroless/static-debian12:nonroot

ARG VERSION=dev
LABEL org.opencontainers.image.title="trove" \
      org.opencontainers.image.description="Trove B2B gifting marketplace: API, webhooks, web apps and workers in one binary" \
      org.opencontainers.image.version="${VERSION}"

COPY --from=build /out/trove /trove
COPY --from=build --chown=65532:65532 /out/blobs /var/lib/trove/blobs
COPY --from=build --chown=65532:65532 /out/sandbox /var/lib/trove/sandbox

EXPOSE 8080
# The binary's own default is 127.0.0.1:8080, which nothing outside the
# container could reach.
ENV TROVE_HTTP_ADDR=:8080
# Packing manifests with the local blob driver: mount a volume here (or set
# TROVE_BLOB_DRIVER=s3).
ENV TROVE_BLOB_DIR=/var/lib/trove/blobs
# `serve --sandbox` keeps the stand-ins' state here (the default, .data/sandbox
# under /, is not writable): mount a volume here too.
ENV TROVE_SANDBOX_DIR=/var/lib/trove/sandbox

# nonroot, by number: Kubernetes' runAsNonRoot can only check a numeric user
# ("nonroot" by name makes it refuse to start the pod).
USER 65532:65532

# Exec form: trove is PID 1 and gets SIGTERM itself; it drains in-flight
# requests for up to TROVE_SHUTDOWN_TIMEOUT (20s by default), so give the
# container a stop timeout longer than that (docker's default is 10s).
# Other commands: serve --sandbox, config check [--sandbox], migrate
# up|down|status, seed, version (docker run --rm ... trove migrate up).
ENTRYPOINT ["/trove"]
CMD ["serve"]
