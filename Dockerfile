# Production image: gunicorn behind a TLS-terminating proxy, static files by whitenoise.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH="/opt/venv/bin:$PATH"

# pango for WeasyPrint, hb-subset for fast CJK PDFs, a CJK font, psql for debugging.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk \
       postgresql-client curl \
    && rm -rf /var/lib/apt/lists/*

RUN pip install --no-cache-dir uv==0.13.9

WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .
RUN SECRET_KEY=build-only DATABASE_URL=postgres://build@localhost/build \
    FIELD_ENCRYPTION_KEYS=build-only ID_HASH_KEY=build-only \
    REDIS_URL=redis://localhost:6379/0 STATIC_ROOT=/app/staticfiles \
    python manage.py collectstatic --no-input

RUN useradd --system --uid 1000 --home /app app \
    && mkdir -p /app/media && chown app /app/media
USER app
ENV STATIC_ROOT=/app/staticfiles MEDIA_ROOT=/app/media
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--access-logfile", "-", "--forwarded-allow-ips", "*"]
