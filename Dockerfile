# The coordinator as one image; docker-compose.yml runs it as separate roles (SAMVERKAN_ROLES).
#   docker build -t samverkan .
#   docker run -p 3000:3000 samverkan                  # the embedded default (SQLite in the data volume)

ARG NODE_IMAGE=node:20-bookworm-slim

# better-sqlite3 compiles its native binding with node-gyp when no prebuilt binary fits: give it the tools
# here so that the runtime image needs none.
FROM ${NODE_IMAGE} AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# apps/audit is an npm workspace: `npm ci` needs its package.json to match the lock file.
COPY package.json package-lock.json ./
COPY apps/audit/package.json apps/audit/
# npm ci applies these (patch-package, at postinstall): kafkajs's encoding, made faster, byte for byte the same.
COPY patches ./patches

FROM toolchain AS build
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM toolchain AS production-dependencies
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    SAMVERKAN_DATA_DIR=/var/lib/samverkan
WORKDIR /app
COPY --from=production-dependencies /app/package.json ./package.json
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY config ./config
# A named volume mounted here starts with this directory's owner, so the unprivileged user can write to it.
RUN mkdir -p "$SAMVERKAN_DATA_DIR" && chown node:node "$SAMVERKAN_DATA_DIR"
USER node
EXPOSE 3000
# No curl in the slim image: Node's own fetch asks /health (200 healthy, 503 not).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=5 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 3000}/health`, { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/apps/coordinator/src/main.js"]
