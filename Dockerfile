# syntax=docker/dockerfile:1
# Multi-stage build: compile TypeScript once, ship only production dependencies, run as a non-root user.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY schema ./schema
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=4000
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root schema ./schema
COPY --chown=root:root package.json ./
# The application files stay owned by root and read-only to the process.
USER node
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node as PID 1 receives SIGTERM directly; the facade drains (SHUTDOWN_DELAY_MS, SHUTDOWN_GRACE_MS) and exits 0.
# --max-old-space-size: with admission control bounding what executes at once (QUERY_MAX_COST_IN_FLIGHT) the live heap
# stays far below 128 MB; without a cap V8 lets promoted garbage grow the heap to ~400 MB under bursts of large
# queries before collecting it. Same flags as `npm run start:dist`.
CMD ["node", "--enable-source-maps", "--max-old-space-size=128", "dist/main.js"]
