# sipward image for the `collector` and `analyzer` services of docker-compose.yml.
# Build: docker compose build   (or: docker build -t sipward:local .)

# Node 24 LTS is the supported runtime (.nvmrc); Node 20 keeps working (package.json engines).
FROM node:24-bookworm-slim AS build
# libpcap headers and a toolchain: the optional native `cap` module compiles at `npm ci`.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpcap-dev python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Dependencies first, so source edits do not invalidate the npm layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
# Runtime libpcap only; no compiler in the final image.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpcap0.8 \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app /app
# The analyzer needs no privileges; the collector overrides this with `user: root` plus
# NET_RAW/NET_ADMIN in docker-compose.yml to open the capture interface.
USER node
ENTRYPOINT ["node", "bin/sipward.js"]
CMD ["--help"]
