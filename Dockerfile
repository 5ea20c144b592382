# sf-upload-exporter container image.
#   docker build --build-arg SF_UPLOAD_EXPORTER_REVISION="$(git rev-parse --short=12 HEAD)" -t sf-upload-exporter .
#   docker run -p 18922:18922 -v "$PWD/config.yaml:/etc/sf-upload-exporter/config.yaml:ro" sf-upload-exporter
# The base is pinned by its full version; bump all three stages together (docs/deployment.md: "Run with Docker").

# --- build: TypeScript with the dev dependencies -------------------------------------------------
FROM node:24.21.0-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: nothing the build or the runtime needs compiles native code.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- deps: production dependencies only ---------------------------------------------------------
FROM node:24.21.0-bookworm-slim AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# --- runtime -------------------------------------------------------------------------------------
FROM node:24.21.0-bookworm-slim
ARG SF_UPLOAD_EXPORTER_REVISION=unknown
# src/version.ts reports the revision from this variable (there is no .git in the image).
# MALLOC_MMAP_THRESHOLD_: a fixed 128 KiB threshold keeps glibc from raising it after the first
# multi-megabyte exposition buffer is freed, which left freed buffers in the heap and the RSS of a
# 10,000-path exporter about 80 MB higher (docs/performance.md, "Memory").
# NODE_OPTIONS=--max-semi-space-size=8: V8's young generation holds at most 2 × 8 MB whatever
# memory the pod has (Node's default follows the memory it sees: 16 MB semi-spaces above 2 GiB, 1 MB
# at 512 MiB); 16 MB less RSS than at 16 for no measurable CPU per poll cycle (at 4: 18 % more).
# An environment variable, not an ENTRYPOINT flag, so that a NODE_OPTIONS given to the pod (e.g.
# --max-semi-space-size=32, to spend memory on less CPU) replaces it: a flag would override it.
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=8 \
    MALLOC_MMAP_THRESHOLD_=131072 \
    SF_UPLOAD_EXPORTER_REVISION=${SF_UPLOAD_EXPORTER_REVISION} \
    SF_UPLOAD_EXPORTER_HEALTHCHECK_URL=http://127.0.0.1:18922/-/healthy
LABEL org.opencontainers.image.title="sf-upload-exporter" \
      org.opencontainers.image.description="Prometheus exporter for Azure Service Fabric image-store upload sessions" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.revision=${SF_UPLOAD_EXPORTER_REVISION}
WORKDIR /app
# Everything is owned by root and only readable by the process: it writes nothing, so the root
# filesystem can be mounted read-only.
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY package.json ./
COPY config/example.yaml /etc/sf-upload-exporter/example.yaml
# A numeric non-root user, so that Kubernetes' runAsNonRoot can verify it.
USER 65532:65532
EXPOSE 18922
# Slim images have no curl: Node's own fetch checks liveness. No --start-period: the exporter answers
# /-/healthy as soon as it listens (and dockerfilelint 1.8 misreads that flag as invalid).
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.SF_UPLOAD_EXPORTER_HEALTHCHECK_URL).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# --heap-growing-percent=50: V8 lets the old space grow to 1.5 × what its last full collection left
# alive, not up to 4 ×; the garbage a poll cycle promotes otherwise stayed resident between cycles
# (RSS about 400 MB instead of about 210 MB at 10,000 paths and sessions; docs/performance.md, "Memory").
ENTRYPOINT ["node", "--heap-growing-percent=50", "dist/src/main.js"]
CMD ["--config.file=/etc/sf-upload-exporter/config.yaml"]
