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
HEALTHCHECK --interval=15s --timeout=3s CMD ["/bin/sh", "-c", "exec 3<>/dev/tcp/127.0.0.1/8003 && printf 'GET /readyz HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q ' 200 ' <&3"]
ENTRYPOINT ["media-server"]
CMD ["--role", "all"]
