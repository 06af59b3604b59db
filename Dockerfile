# gitpulse: one image for `serve` and `worker` (see README, "Running several instances").
#   docker build -t gitpulse .
#   docker run -p 3001:3001 -v gitpulse-data:/data gitpulse

# Build a static binary.
FROM golang:1.26-trixie AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/gitpulse ./cmd/gitpulse

# Run it with git (mirrors, indexes), curl (the health check) and chrt from
# util-linux (a head start's git at SCHED_IDLE), as a user of its own.
FROM debian:trixie-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates curl util-linux \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --create-home gitpulse
COPY --from=build /out/gitpulse /usr/local/bin/gitpulse
USER gitpulse
ENV GITPULSE_DATA_DIR=/data PORT=3001
VOLUME /data
EXPOSE 3001
# A worker listens for /healthz on --addr (:3002 by default): compose.yaml
# sets HEALTH_PORT=3002 for it.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${HEALTH_PORT:-$PORT}/healthz" || exit 1
ENTRYPOINT ["gitpulse"]
CMD ["serve"]
