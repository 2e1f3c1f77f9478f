# Multi-stage build: compile in the Rust image, run in a slim Debian.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p media-server -p media-cli

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/media --create-home media
COPY --from=build /src/target/release/media-server /src/target/release/media-cli /usr/local/bin/
USER media
WORKDIR /var/lib/media
ENV MEDIA_ADDR=0.0.0.0:8003 \
    MEDIA_DATA_DIR=/var/lib/media/data \
    LOG_FORMAT=json
EXPOSE 8003
# The binary probes its own /readyz: the image's /bin/sh is dash, which has
# no /dev/tcp, so a shell probe could never pass.
HEALTHCHECK --interval=15s --timeout=3s CMD ["media-server", "healthcheck"]
ENTRYPOINT ["media-server"]
CMD ["--role", "all"]
