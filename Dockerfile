# syntax=docker/dockerfile:1
#
# seam-emulator: build with `docker build -t seam-emulator .`, or run the whole stack with
# `docker compose up` (see docker-compose.yml). The server needs PostgreSQL at DATABASE_URL.

# ---- build ---------------------------------------------------------------------------
FROM rust:1-bookworm AS builder
WORKDIR /src

# The manifest and lock first, then the sources. The cache mounts keep the crate registry
# and the target directory between builds, so a change in src/ recompiles only this crate.
COPY Cargo.toml Cargo.lock ./
# sqlx::migrate! embeds migrations/ into the binary at compile time.
COPY migrations ./migrations
COPY src ./src
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
    && cp target/release/seam-emulator /usr/local/bin/seam-emulator

# ---- run -----------------------------------------------------------------------------
FROM debian:bookworm-slim

# ca-certificates and libssl3 for outbound TLS, curl for the health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libssl3 curl \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin seam
COPY --from=builder /usr/local/bin/seam-emulator /usr/local/bin/seam-emulator
USER seam

ENV SEAM_EMULATOR_BIND=0.0.0.0:8080
EXPOSE 8080

# /health answers 200 while the database answers, 503 otherwise.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/health || exit 1

ENTRYPOINT ["seam-emulator"]
CMD ["serve"]
