# Image of the drift-action Docker container action (action.yml: runs.image).
# GitHub builds it on the runner for every job that uses the action, so keep
# it small and deterministic. linux/amd64 only: GitHub runs Docker container
# actions on Linux x64 runners.

# --- build: the drift-action binary, static (no cgo), stripped ------------
FROM golang:1.26-bookworm AS build
WORKDIR /src
# Module downloads in their own layer: rebuilt only when go.mod/go.sum change.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/myorg/drift-action/internal/app.Version=${VERSION}" \
      -o /out/drift-action . \
 && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" \
      -o /out/drift-action-gatekeeper ./internal/gatekeeper/cmd/drift-action-gatekeeper

# --- terraform: the official release zip, checksum-verified ---------------
FROM debian:bookworm-slim AS terraform
ARG TERRAFORM_VERSION=1.11.4
# sha256 of terraform_${TERRAFORM_VERSION}_linux_amd64.zip, as published in
# HashiCorp's terraform_${TERRAFORM_VERSION}_SHA256SUMS. Changing the version
# means changing this too; a wrong or empty value fails the build.
ARG TERRAFORM_SHA256=1ce994251c00281d6845f0f268637ba50c0005657eb3cf096b92f753b42ef4dc
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl unzip \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /tmp/terraform
RUN set -eu; \
    if [ -z "${TERRAFORM_SHA256}" ]; then \
      echo "error: TERRAFORM_SHA256 is empty; set it to the sha256 of terraform_${TERRAFORM_VERSION}_linux_amd64.zip from HashiCorp's SHA256SUMS" >&2; \
      exit 1; \
    fi; \
    curl -fsSL --retry 3 -o terraform.zip \
      "https://releases.hashicorp.com/terraform/${TERRAFORM_VERSION}/terraform_${TERRAFORM_VERSION}_linux_amd64.zip"; \
    echo "${TERRAFORM_SHA256}  terraform.zip" | sha256sum -c -; \
    unzip -q terraform.zip terraform; \
    ./terraform version

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
RUN git config --system --add safe.directory /github/workspace
# No USER: GitHub requires Docker container actions to run as the default
# user, root, so they can write to the mounted workspace and GITHUB_* files.
ENTRYPOINT ["/usr/local/bin/drift-action"]
