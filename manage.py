#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys
from pathlib import Path

# Written by ./dev: the local keys and the last private servers, so that
# `.venv/bin/python manage.py ...` works in a checkout. The real environment
# wins; production images have no .local folder; NO_DEV_ENV=1 skips it.
DEV_ENV = Path(__file__).resolve().parent / ".local" / "dev.env"


def load_dev_env() -> None:
    if DEV_ENV.is_file() and not os.environ.get("NO_DEV_ENV"):
        for line in DEV_ENV.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep and key.strip():
                os.environ.setdefault(key.strip(), value.strip())


def main() -> None:
    load_dev_env()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
