# LotFlow's image, for compose.yaml (one image: web, worker, beat and the release step are its commands).
# Build: docker compose build (or docker build -t lotflow .). No key is baked in: they come from the env file.

# The page scripts, bundled with the npm packages at the versions of package-lock.json.
FROM node:20-bookworm-slim AS frontend
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY bin/build-frontend bin/
COPY frontend frontend
RUN bin/build-frontend

FROM python:3.11-slim-bookworm
# gcc for durable-rules (a C extension); pg_dump for manage.py backup (client 15, as the postgres service).
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev postgresql-client \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --system --home-dir /app --shell /usr/sbin/nologin lotflow \
 && install -d -o lotflow -g lotflow /var/lib/lotflow /var/lib/lotflow-files
WORKDIR /app
COPY . .
COPY --from=frontend /src/node_modules node_modules
COPY --from=frontend /src/build/frontend build/frontend
RUN pip install --no-cache-dir -e . && python bin/compile-messages
ENV PY=python \
    PYTHONUNBUFFERED=1 \
    LOTFLOW_VAR_DIR=/var/lib/lotflow \
    LOTFLOW_ATTACHMENT_DIR=/var/lib/lotflow-files
USER lotflow
EXPOSE 8000
ENTRYPOINT ["bin/start"]
CMD ["web"]
