"""Settings, read from the environment.

Defaults are production-safe: DEBUG is off, SECRET_KEY must be given, cookies
are secure and HTTPS is enforced. The `./dev` script sets the development
values (DEBUG=true, a local SECRET_KEY, private PostgreSQL and Redis).
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured("Set the SECRET_KEY environment variable.")

# Personal data: Fernet keys for ID-card numbers (newest first; older keys
# still decrypt, for rotation) and the key of their look-up hash.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
ID_HASH_KEY = env.str("ID_HASH_KEY", default="")
if not FIELD_ENCRYPTION_KEYS or not ID_HASH_KEY:
    raise ImproperlyConfigured(
        "Set FIELD_ENCRYPTION_KEYS (Fernet keys, comma-separated) and ID_HASH_KEY "
        "(./dev makes local ones in .local/)."
    )

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The public address, printed on certificates (the verification QR code).
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_celery_beat",
    "django_htmx",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "branches",
    "members",
    "education",
    "mobility",
    "outreach",
    "accountability",
    "accountability.responsibility",
    "accountability.written_reports",
    "accountability.assessments",
    "accountability.inspections",
    "dashboards",
    "reports",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "config.two_factor.RequireSecondFactorMiddleware",
    "branches.scoping.ScopeCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.nav",
            ],
        },
    },
]

# --- Database: PostgreSQL only -------------------------------------------------
DATABASES = {"default": env.db_url("DATABASE_URL", default="")}
if not DATABASES["default"].get("ENGINE"):
    raise ImproperlyConfigured(
        "Set DATABASE_URL to a PostgreSQL database, e.g. postgres://user@host:5432/name "
        "(./dev run and ./dev test start a private server when it is unset)."
    )
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL; no other database works.")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, Celery broker and results -----------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if not REDIS_URL:
    raise ImproperlyConfigured(
        "Set REDIS_URL, e.g. redis://127.0.0.1:6379/0 "
        "(./dev run and ./dev test start a private server when it is unset)."
    )
CACHES = {
    "default": {
        # Fails open when Redis is down (config/cache.py).
        "BACKEND": "config.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "pb",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60 * 30
CELERY_TASK_SOFT_TIME_LIMIT = 60 * 25
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task whose worker died unacknowledged (acks_late) goes to another worker
# after this many seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=60 * 60)
}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The beat schedule lives in config/celery.py.

# --- Authentication -------------------------------------------------------------
AUTH_USER_MODEL = "branches.User"
AUTHENTICATION_BACKENDS = [
    # Lock-out after repeated failed logins (django-axes), before the others.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# After 5 failed logins a username is locked for 15 minutes, whatever the
# address (passwords are guessed from many addresses); a success resets it.
# Optional second factor (config/two_factor.py): the name apps show.
OTP_TOTP_ISSUER = "党支部工作管理系统"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks for the address among the lock-out parameters: locking by
# username already holds whatever the address, user agent or cookies, and an
# address lock would lock out a whole office behind one NAT address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "config.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "config.lockout.locked_out"
AXES_VERBOSE = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "config.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
ANONYMOUS_USER_NAME = None

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 8)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the page, not the cookie.

# --- Security: HTTPS and headers, on unless DEBUG ------------------------------
CONTENT_SECURITY_POLICY = env.str(
    "CONTENT_SECURITY_POLICY",
    default="; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    ),
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Reverse proxies in front of the app: the client address used by throttles is
# the N-th from the right of X-Forwarded-For (0: REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Internationalisation -------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media files -----------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / ".local" / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / ".local" / "media")))
# Largest photo or scan attached to an education activity (10 MiB).
EDUCATION_ATTACHMENT_MAX_BYTES = env.int("EDUCATION_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
# DEBUG: plain files. Production: hashed names, compressed by whitenoise.
# STATIC_COMPRESS=false keeps the hashed names but skips the (slow) compression.
if DEBUG or env.bool("STATIC_PLAIN", default=False):
    STATICFILES_BACKEND = "django.contrib.staticfiles.storage.StaticFilesStorage"
elif env.bool("STATIC_COMPRESS", default=True):
    STATICFILES_BACKEND = "whitenoise.storage.CompressedManifestStaticFilesStorage"
else:
    STATICFILES_BACKEND = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": STATICFILES_BACKEND},
}

# --- REST API -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an unauthenticated API call gets 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
        "user": env.str("API_THROTTLE_USER", default="1200/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Party branch administration API",
    "DESCRIPTION": "Organisations, members, education, outreach, mobile members, accountability.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "ENUM_NAME_OVERRIDES": {
        "SectorEnum": "branches.models.Sector",
        "VolunteerKindEnum": "outreach.models.VolunteerKind",
        "RectificationStatusEnum": "accountability.models.RectificationStatus",
        "CareKindEnum": "outreach.models.CareKind",
        "StationKindEnum": "outreach.models.StationKind",
        "CommitmentStatusEnum": "outreach.models.CommitmentStatus",
        "PostHolderStatusEnum": "outreach.models.PostHolderStatus",
        "CaseStatusEnum": "outreach.models.CaseStatus",
        "CaseChannelEnum": "outreach.models.CaseChannel",
        "MemberStatusEnum": "members.models.MemberStatus",
        "TransferStatusEnum": "members.models.TransferStatus",
        "ImportStatusEnum": "members.models.ImportStatus",
        "OrgKindEnum": "branches.models.OrgKind",
        "ActivityKindEnum": "education.models.ActivityKind",
        "AttendanceStatusEnum": "education.models.AttendanceStatus",
        "AttachmentKindEnum": "education.models.AttachmentKind",
        "TeacherCategoryEnum": "education.models.TeacherCategory",
        "OrgLevelEnum": "branches.models.OrgLevel",
        "SchoolLevelEnum": "education.models.SchoolLevel",
        "PartyPostEnum": "education.models.PartyPost",
        "CampaignKindEnum": "education.models.CampaignKind",
        "CampaignStatusEnum": "education.models.CampaignStatus",
        "CampaignStepEnum": "education.models.CampaignStep",
        "RatingEnum": "education.models.Rating",
        "ReportKindEnum": "mobility.models.ReportKind",
        "EpisodeStatusEnum": "mobility.models.EpisodeStatus",
        "CertificateStatusEnum": "mobility.models.CertificateStatus",
        "MobilityYearReportStatusEnum": "mobility.models.YearReportStatus",
        "InflowBasisEnum": "mobility.models.InflowBasis",
        "AssessmentSchemeStatusEnum": "accountability.assessments.models.AssessmentSchemeStatus",
        "AssessmentIndicatorKindEnum": "accountability.assessments.models.AssessmentIndicatorKind",
        "ScorecardStatusEnum": "accountability.assessments.models.ScorecardStatus",
        "AssessmentGradeEnum": "accountability.assessments.models.AssessmentGrade",
        "AssessmentOutcomeEnum": "accountability.assessments.models.AssessmentOutcome",
        "CommendationKindEnum": "accountability.responsibility.models.CommendationKind",
        "CommendationStatusEnum": "accountability.responsibility.models.CommendationStatus",
        "ResponsibilityRoleEnum": "accountability.responsibility.models.ResponsibilityRole",
        "RoleEnum": "branches.models.Role",
        "WrittenReportStatusEnum": "accountability.written_reports.models.WrittenReportStatus",
        "SpotCheckStatusEnum": "accountability.inspections.models.SpotCheckStatus",
        "InspectionKindEnum": "accountability.inspections.models.InspectionKind",
    },
}

# --- Logging: stdout; one JSON object a line unless LOG_FORMAT=plain -----------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "plain": {"format": "%(asctime)s %(levelname)-7s %(name)s: %(message)s"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "celery": {"level": LOG_LEVEL},
    },
}
