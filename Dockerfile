# One image for every process of the service; the command picks the role:
#   api      npx tsx api/server.ts        (the default)
#   worker   node --max-old-space-size=320 --import tsx worker/main.ts, with MALLOC_ARENA_MAX=2
#            (the launch settings of worker/launch.ts)
#   migrate  npx tsx scripts/migrate.ts   (one-shot, before api and worker start)
#   simulator npx tsx simulator/server.ts (the Veriff stand-in, for trials without Veriff)
# docker-compose.yml wires them together.

FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV PRISMA_HIDE_UPDATE_MESSAGE=1 CHECKPOINT_DISABLE=1
# Dependencies first, so source edits reuse this layer. --ignore-scripts: no third-party install
# scripts in the build (the project's own postinstall, prisma generate, runs explicitly below).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN bash scripts/prisma-generate.sh \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

FROM node:20-bookworm-slim
WORKDIR /app
# The fonts of the generated identity documents (document-check/specimens.ts): the Veriff simulator
# (`npx tsx simulator/server.ts`) serves them as session media. OCR itself needs no system package.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fontconfig fonts-ocr-b fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
# npx resolves tsx from node_modules; it must not look for npm updates from inside a container.
ENV NODE_ENV=production PORT=8000 NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false
# Owned by root, run as `node`: the process cannot rewrite its own code or dependencies.
COPY --from=build /app /app
USER node
EXPOSE 8000
CMD ["npx", "tsx", "api/server.ts"]
