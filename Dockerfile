# syntax=docker/dockerfile:1
# Chroma's image: the web UI built with Node, the wheel built with Python, then a slim
# runtime holding only the wheel (with Celery for `chroma worker`), run as a non-root user.
#
#   docker build -t chroma:local .
#   docker run --rm -p 127.0.0.1:8000:8000 -e CHROMA_AUTH_TOKEN=... chroma:local
#
# The same image runs every role; the command picks it: `application run` (the default),
# `worker`, `db upgrade`, `users ...`, `doctor`. deploy/compose.yaml and docs/deploy.md
# show a whole team setup.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:20-bookworm-slim

# 1. The web UI (ui/): Vite writes it into src/chroma/server/static, as `make ui` does.
FROM ${NODE_IMAGE} AS ui
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
WORKDIR /src/ui
COPY ui/package.json ui/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY schema.graphql /src/schema.graphql
COPY ui/ ./
RUN npx vite build --logLevel warn

# 2. The wheel, with the built UI inside (a hatch artifact: gitignored, shipped anyway;
#    hatch_build.py refuses a wheel without it). The context has no .git, so the version
#    is CHROMA_VERSION (`--build-arg CHROMA_VERSION=$(git describe --tags | sed 's/^v//')`)
#    or, left empty, pyproject.toml's fallback (0.0.0).
FROM ${PYTHON_IMAGE} AS wheel
ARG CHROMA_VERSION=
WORKDIR /src
COPY pyproject.toml README.md hatch_build.py ./
COPY src/ src/
COPY --from=ui /src/src/chroma/server/static/ src/chroma/server/static/
RUN SETUPTOOLS_SCM_PRETEND_VERSION="${CHROMA_VERSION}" python -m pip wheel --no-cache-dir --no-deps --wheel-dir /dist . \
 && python -c "import glob, zipfile; names = zipfile.ZipFile(glob.glob('/dist/*.whl')[0]).namelist(); assert 'chroma/server/static/index.html' in names, 'the wheel lacks the UI'"

# 3. The runtime: the wheel and its dependencies at the versions of requirements/lock.txt,
#    with Celery (`chroma worker`) and obstore (an s3://, gs:// or az:// artifact store).
FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements/lock.txt /tmp/lock.txt
RUN --mount=type=bind,from=wheel,source=/dist,target=/dist \
    pip install --constraint /tmp/lock.txt "$(echo /dist/chroma_embeddings-*.whl)[celery,object-store]" \
 && rm /tmp/lock.txt
# A user of its own; the data dir (a per-process cache with PostgreSQL) and the artifact
# store's usual mount point belong to it, so named volumes mounted there do too.
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/chroma \
        --shell /usr/sbin/nologin chroma \
 && mkdir -p /var/lib/chroma /var/lib/chroma-artifacts \
 && chown chroma:chroma /var/lib/chroma /var/lib/chroma-artifacts
USER chroma:chroma
WORKDIR /var/lib/chroma
# Numba keeps the compiled projection kernels here (site-packages is not writable).
ENV CHROMA_DATA_DIR=/var/lib/chroma \
    CHROMA_HOST=0.0.0.0 \
    CHROMA_PORT=8000 \
    NUMBA_CACHE_DIR=/var/lib/chroma/numba-cache
EXPOSE 8000
# /healthz needs no token; an IP address in Host is always allowed on a 0.0.0.0 bind.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('CHROMA_PORT', '8000'), timeout=4)"]
ENTRYPOINT ["chroma"]
CMD ["application", "run"]
