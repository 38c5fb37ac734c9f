# allhub in a container: `allhub daemon` by default; the dashboard is the same image with another
# command (see compose.yaml and README "Running on a server").
#   docker build -t allhub .                              (add --build-arg WITH_CHROMIUM=1 for
#   docker run -d -v allhub-data:/data allhub              the Overview's share-card PNG)
FROM python:3.11-slim

ARG WITH_CHROMIUM=0
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ALLHUB_DB=/data/allhub.duckdb \
    PATH=/opt/allhub/.venv/bin:$PATH

RUN if [ "$WITH_CHROMIUM" = "1" ]; then \
        apt-get update && apt-get install -y --no-install-recommends chromium && rm -rf /var/lib/apt/lists/*; \
    fi \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin allhub \
    && mkdir -p /data && chown allhub:allhub /data && chmod 0700 /data

WORKDIR /opt/allhub
COPY pyproject.toml README.md ./
COPY allhub_core ./allhub_core
RUN python -m venv /opt/allhub/.venv && /opt/allhub/.venv/bin/pip install --no-compile .
# the dashboard's files (the daemon needs only the package)
COPY app.py serve.py ./
COPY pages ./pages
COPY .streamlit ./.streamlit

USER allhub
# the database and its key file (allhub.secret.key) live here: keep the volume, keep the key
VOLUME ["/data"]
EXPOSE 8501
STOPSIGNAL SIGTERM
CMD ["allhub", "daemon"]
