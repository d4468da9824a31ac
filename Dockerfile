# outpace engine image: `docker compose up` runs it beside Asterisk, PostgreSQL and Redis.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY dialplan ./dialplan
COPY asterisk-config ./asterisk-config
COPY sounds ./sounds
USER node
ENTRYPOINT ["node", "dist/cli/main.js"]
