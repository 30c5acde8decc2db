# paperhound as a small static image. Build: docker build -t paperhound .
# Run: docker run -p 8080:8080 paperhound serve --addr 0.0.0.0:8080 --demo

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Pure Go (the SQLite driver included), so the binary needs no libc.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/paperhound ./cmd/paperhound

# distroless/static: CA certificates (for https endpoints) and a nonroot
# user, no shell.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/paperhound /paperhound
# A SQLite file, when no PostgreSQL URL is given, goes in /data.
WORKDIR /data
ENV PAPERHOUND_DB=/data/paperhound.db
EXPOSE 8080
ENTRYPOINT ["/paperhound"]
CMD ["serve", "--addr", "0.0.0.0:8080"]
