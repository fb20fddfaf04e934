# Images for docker-compose.yml: the console server (with its browser bundle) and the
# simulator. Built where the Rust project's servers are reachable (rustup's wasm target).
FROM rust:1.95-bookworm AS build
WORKDIR /src
RUN rustup target add wasm32-unknown-unknown
COPY . .
RUN ./x build-site \
 && cargo build --release -p console-server -p airtable-sim

FROM debian:bookworm-slim AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /src/target/release/console-server /src/target/release/airtable-sim /usr/local/bin/
COPY --from=build /src/target/site /app/site
ENV CONSOLE_SITE_ROOT=/app/site CONSOLE_DATA_DIR=/app/data
