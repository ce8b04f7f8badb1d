# syntax=docker/dockerfile:1
# Build stage: full dev dependencies to compile TypeScript.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY src ./src
COPY cli ./cli
COPY bench ./bench
COPY scripts ./scripts
RUN npm run build

# Runtime stage: production dependencies and the compiled output only.
FROM node:20-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY views ./views
COPY mappings ./mappings
# tsc keeps the shebang but not the exec bit; the link puts `flowdex` on PATH for compose commands.
RUN chmod +x dist/cli/flowdex.js && ln -s /app/dist/cli/flowdex.js /usr/local/bin/flowdex
USER node
EXPOSE 3000
CMD ["flowdex", "serve", "--host", "0.0.0.0", "--port", "3000"]
