# Image of the drift-action Docker container action (action.yml: runs.image).
# On the default branch GitHub builds it on the runner for every job that
# uses the action, so keep it small and deterministic; releases publish it
# once, for linux/amd64 and linux/arm64 (.github/workflows/release.yml), and
# action.yml names the published image by digest.
#
# Multi-platform: the Go binaries are cross-compiled on the build machine's
# own platform (BUILDPLATFORM) for the target's (TARGETOS/TARGETARCH), so an
# arm64 image needs no emulated Go compile; only the final stage's apt-get
# runs as the target platform. BuildKit sets these arguments: build with
# Docker 23 or newer (BuildKit is its default builder, and GitHub's runners')
# or docker buildx.

# --- build: the drift-action binaries, static (no cgo), stripped ----------
FROM --platform=$BUILDPLATFORM golang:1.26-bookworm AS build
WORKDIR /src
# Module downloads in their own layer: rebuilt only when go.mod/go.sum change.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG TARGETOS
ARG TARGETARCH
RUN export CGO_ENABLED=0 GOOS="$TARGETOS" GOARCH="$TARGETARCH" \
 && go build -trimpath \
      -ldflags "-s -w -X github.com/myorg/drift-action/internal/app.Version=${VERSION}" \
      -o /out/drift-action . \
 && go build -trimpath -ldflags "-s -w" \
      -o /out/drift-action-gatekeeper ./internal/gatekeeper/cmd/drift-action-gatekeeper

# --- terraform: the official release zip, checksum-verified ---------------
# Downloaded and checked on the build platform; nothing here runs terraform.
FROM --platform=$BUILDPLATFORM debian:bookworm-slim AS terraform
ARG TERRAFORM_VERSION=1.11.4
# sha256 of terraform_${TERRAFORM_VERSION}_linux_<arch>.zip, as published in
# HashiCorp's terraform_${TERRAFORM_VERSION}_SHA256SUMS. Changing the version
# means changing both; a wrong or empty value fails the build.
ARG TERRAFORM_SHA256_AMD64=1ce994251c00281d6845f0f268637ba50c0005657eb3cf096b92f753b42ef4dc
ARG TERRAFORM_SHA256_ARM64=a43d1d0da9b9bab214a8305a39db0e40869572594ccf50c416a7756499143633
ARG TARGETARCH
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl unzip \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /tmp/terraform
RUN set -eu; \
    arch="${TARGETARCH:?is not set: build with BuildKit (Docker 23 or newer, or docker buildx)}"; \
    case "$arch" in \
      amd64) sum="${TERRAFORM_SHA256_AMD64}" ;; \
      arm64) sum="${TERRAFORM_SHA256_ARM64}" ;; \
      *) echo "error: no terraform checksum for linux/$arch; build for linux/amd64 or linux/arm64" >&2; exit 1 ;; \
    esac; \
    if [ -z "$sum" ]; then \
      echo "error: TERRAFORM_SHA256_$(echo "$arch" | tr a-z A-Z) is empty; set it to the sha256 of terraform_${TERRAFORM_VERSION}_linux_${arch}.zip from HashiCorp's SHA256SUMS" >&2; \
      exit 1; \
    fi; \
    curl -fsSL --retry 3 -o terraform.zip \
      "https://releases.hashicorp.com/terraform/${TERRAFORM_VERSION}/terraform_${TERRAFORM_VERSION}_linux_${arch}.zip"; \
    echo "${sum}  terraform.zip" | sha256sum -c -; \
    unzip -q terraform.zip terraform

# --- final: what the action runs -------------------------------------------
FROM debian:bookworm-slim
# git: terraform init fetches git:: module sources with it.
# ca-certificates: TLS to the providers' registries and cloud APIs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=terraform /tmp/terraform/terraform /usr/local/bin/terraform
COPY --from=build /out/drift-action /usr/local/bin/drift-action
# Gatekeeper's checks run in a companion binary found beside drift-action, so
# the Kubernetes libraries it links cost nothing to the other commands.
COPY --from=build /out/drift-action-gatekeeper /usr/local/bin/drift-action-gatekeeper
# GitHub mounts the checked-out repository at /github/workspace, owned by the
# runner's user, not by root inside the container; git (>= 2.35.2) refuses to
# work in it unless it is a safe.directory. Only that path is trusted, not
# '*': nothing else in the container is a repository the action should use.
# terraform version: the binary runs on the image's own platform (its
# checksum was checked where it was downloaded); no checkpoint call home.
RUN git config --system --add safe.directory /github/workspace \
 && CHECKPOINT_DISABLE=1 terraform version
# No USER: GitHub requires Docker container actions to run as the default
# user, root, so they can write to the mounted workspace and GITHUB_* files.
ENTRYPOINT ["/usr/local/bin/drift-action"]
