# TRT: the bot as a small, non-root image. Build: docker build -t trt .
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY trt ./trt
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LOG_FORMAT=json \
    PORT=8080 \
    DATABASE_URL=sqlite+aiosqlite:////data/trt.sqlite3
COPY --from=build /install /usr/local
RUN useradd --create-home --uid 10001 trt && mkdir /data && chown trt /data
USER trt
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8080\")}/health', timeout=2)"
CMD ["trt", "run"]
