# The `folio` binary in a small image, for docker-compose.yml. Migrations and
# read-model DDL are compiled into the binary; librdkafka is built in (bundled).
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin folio

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/folio /usr/local/bin/folio
USER nobody
ENTRYPOINT ["folio"]
