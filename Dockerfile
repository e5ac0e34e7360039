# syntax=docker/dockerfile:1
# Multi-stage build: compile TypeScript once, ship only production dependencies, run as a non-root user.
# Node 24, the current LTS (security fixes until April 2028), in every stage: the image runs on the Node it was built
# and its production dependencies installed with. `.ci/run` runs the suite on Node 24 too (and on 20 and 22).

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# A dependency of Apollo Server's, replaced by package.json's overrides (vendor/apollo-utils-createhash/README.md):
# npm links it from here, so it comes before `npm ci` and into the image beside node_modules.
COPY vendor ./vendor
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY schema ./schema
COPY src ./src
COPY scripts/build.ts ./scripts/
# The incremental build's record of what it compiled is of no use in the image.
RUN npm run build && rm dist/.tsbuildinfo

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY vendor ./vendor
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM node:24-bookworm-slim
# MALLOC_ARENA_MAX=2: glibc gives every thread that allocates an arena of its own (up to 8 per core), and on Node 24
# V8's compiler and GC threads keep 15–25 MB in theirs. Two arenas do the same work in less: side by side on the same
# build, 64 callers of 1-, 100- and 1000-person queries, 6–12 MB less peak RSS at 1.02–1.12× the queries/s on Node 24
# (10 MB less at 0.97× on Node 20). Same as `npm run start:dist`.
ENV NODE_ENV=production \
    PORT=4000 \
    MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=deps --chown=root:root /app/vendor ./vendor
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
# queries before collecting it. Under a 128 MB cap V8 lets the old generation grow only ~1.3× past what is live, so it
# marked the heap almost without pause (a mark-compact every ~150 ms under bulk load, write barriers always on):
# --heap-growing-percent=200 lets it grow 3× first (measured side by side on 100-person queries: +16 % throughput,
# −28 % CPU per query, +7 MB RSS). --max-semi-space-size=16 gives the young generation 2 × 16 MB: with 64 callers of
# 1000-person queries each scavenge copies the ~4.5 MB of operations in flight, and with twice the room it comes half
# as often and promotes less (side by side +8 to +22 % queries/s on 100- and 1000-person queries; about +13 MB peak
# RSS on Node 20, +19 MB on Node 24, in full bench runs). --min-semi-space-size=16 keeps it at that size between
# bursts instead of shrinking it to 1 MB when idle and growing it again by doubling (each step a scavenge that promotes
# what a bulk look-up still holds). --no-allocation-site-pretenuring: V8 otherwise decides early in a process's life,
# from how much of a site's objects survived, to allocate some of them in the old generation at once; those then point
# at each operation's young persons and results and keep them through every scavenge until a full collection. In
# some processes (2 of 3 runs of 64 callers of 100 persons) that tipped into a state with 3x the bytes surviving each
# scavenge and 3x the full collections (8 against 3 ms a scavenge, 1.2-1.3 against 0.7-0.8 ms of CPU a query); with
# the flag no run did. --no-maglev: hot code goes from Sparkplug to TurboFan, as on Node 20, where Maglev is off; on
# Node 24 its compile jobs (a hundred at once at the start of load) left 10-30 MB of compiler memory with malloc, for no
# throughput (side by side against an independent KRR stub: equal or faster in every row; whole-bench peak RSS 197 and
# 209 MB against 214 and 219). --liftoff-only: undici parses HTTP with llhttp compiled to WebAssembly, and once it is
# hot V8 recompiled it with TurboFan, whose compile of llhttp's one 34 KB function peaked at 25 MB (Node 24) and 39 MB
# (Node 20) of malloc'd compiler memory that glibc then kept; Liftoff's baseline code reads an upstream answer 3-15 us
# slower (in isolation), where the facade spends hundreds a query (side by side: peak RSS lower in 14 of 15 pairs, by
# 8 MB on average; queries a second 0.92-1.11x). Same flags as `npm run start:dist`.
CMD ["node", "--enable-source-maps", "--max-old-space-size=128", "--heap-growing-percent=200", "--no-allocation-site-pretenuring", "--no-maglev", "--liftoff-only", "--min-semi-space-size=16", "--max-semi-space-size=16", "dist/main.js"]
