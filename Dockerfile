# Build: docker build -t driftwatch .   (docker compose up does this for you)
FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY crates crates
COPY src src
COPY migrations migrations
COPY dashboard dashboard
RUN cargo build --release --locked && strip target/release/driftwatch

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* && useradd --system --uid 10001 driftwatch
COPY --from=build /src/target/release/driftwatch /usr/local/bin/driftwatch
USER driftwatch
ENV DRIFTWATCH_BIND=0.0.0.0:8080 LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["driftwatch"]
CMD ["serve"]
