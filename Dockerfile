# syntax=docker/dockerfile:1
# One image for every Agora component; the component is the argument:
#   docker run IMAGE gateway    (or identity, threads, voting, translation, synthesis)
# Build stage: the runtime dependencies the project declares (pyproject.toml), at the
# versions of requirements.lock, into a virtualenv; the sources, compiled to bytecode;
# and the gateway's OpenAPI document, which types the web front-end's client (as
# `make install` does: python -m services.gateway.document web/openapi.json).
FROM python:3.11.14-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml requirements.lock ./
RUN python -m venv --without-pip /opt/agora \
 && python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" > runtime.txt \
 && pip --python /opt/agora/bin/python install --no-cache-dir --only-binary=:all: \
        -c requirements.lock -r runtime.txt
COPY agora /app/agora
COPY agora_kit /app/agora_kit
COPY services /app/services
RUN /opt/agora/bin/python -m compileall -q /app \
 && PYTHONPATH=/app /opt/agora/bin/python -m services.gateway.document /src/openapi.json

# Web stage: the front-end (web/) built as `make install` builds it: `npm ci` from
# package-lock.json, then `npm run build` (client types from the OpenAPI document, tsc,
# Vite) into web/dist. Node.js and node_modules stay in this stage.
FROM node:20.20.2-bookworm-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY web/index.html web/vite.config.ts web/tsconfig.json ./
COPY web/src ./src
COPY --from=build /src/openapi.json ./openapi.json
RUN npm run --silent build

# Final stage: the interpreter, the virtualenv, the compiled sources and the web build
# where the gateway serves it (WEB_DIST_DIR); no pip, no compiler, no Node.js, no build
# files. Runs as an unprivileged user on a read-only root.
FROM python:3.11.14-slim-bookworm
ENV PATH=/opt/agora/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    GRPC_HOST=0.0.0.0 \
    GATEWAY_HOST=0.0.0.0 \
    WEB_DIST_DIR=/app/web/dist
# Pango, HarfBuzz and a font: WeasyPrint renders the deliverable's PDF with them.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0=1.50.12+ds-1 \
        libpangoft2-1.0-0=1.50.12+ds-1 libharfbuzz-subset0=6.0.0+dfsg-3 \
        fonts-dejavu-core=2.37-6 \
 && rm -rf /var/lib/apt/lists/*
RUN python -m pip uninstall --yes --no-cache-dir pip setuptools wheel \
 && groupadd --system --gid 10001 agora \
 && useradd --system --uid 10001 --gid agora --no-create-home --home-dir /nonexistent agora
COPY --from=build /opt/agora /opt/agora
COPY --from=build /app /app
COPY --from=web /web/dist /app/web/dist
WORKDIR /app
USER 10001:10001
EXPOSE 8080 50051 9464
ENTRYPOINT ["python", "-m", "services"]
CMD ["--help"]
