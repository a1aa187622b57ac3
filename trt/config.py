"""Settings: one validated object built once from the environment and `.env`.

The flat environment names (BOT_TOKEN, DATABASE_URL, …) are the operator's interface and are
listed in the README. Components receive plain values taken from here, never `Settings` itself.
"""

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from trt.domain.payments import parse_packages, rubles_to_kopecks
from trt.domain.yookassa import PAYMENT_MODES, PAYMENT_SUBJECT, parse_rub_packages

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./trt.sqlite3"
TELEGRAM_CLOUD_API = "https://api.telegram.org"
KIE_API = "https://api.kie.ai"
KIE_UPLOAD_API = "https://kieai.redpandaai.co"
YOOKASSA_API = "https://api.yookassa.ru/v3"


class ConfigError(Exception):
    """A setting is missing or invalid; the message is one line naming it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    bot_token: SecretStr | None = None
    kie_api_key: SecretStr | None = None
    database_url: SecretStr = SecretStr(DEFAULT_DATABASE_URL)
    redis_url: SecretStr | None = None
    bot_mode: Literal["polling", "webhook"] = "polling"
    public_base_url: str | None = None
    host: str = "0.0.0.0"  # noqa: S104 - a server process; operators narrow it with HOST
    port: int = Field(default=8080, ge=0, le=65535)
    telegram_api_base: str = TELEGRAM_CLOUD_API
    # Results sent with allow_paid_broadcast (0.1 Star a message, up to 1000/s instead of ~30/s).
    telegram_paid_broadcast: bool = False
    # False: answer HTTP only (callbacks, webhook); jobs, deliveries and leadership run elsewhere.
    run_workers: bool = True
    kie_api_base: str = KIE_API
    kie_upload_base: str = KIE_UPLOAD_API
    kie_webhook_hmac_key: SecretStr | None = None
    webhook_secret: SecretStr | None = None
    callback_secret: SecretStr | None = None
    admin_ids: Annotated[tuple[int, ...], NoDecode] = ()
    log_format: Literal["console", "json"] = "console"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    usd_per_credit: Decimal = Field(default=Decimal("0.005"), gt=0)
    rub_per_usd: Decimal = Field(default=Decimal("95"), gt=0)
    price_markup: Decimal = Field(default=Decimal("2.0"), ge=1)
    free_daily_quota: int = Field(default=5, ge=0)
    generation_starts_per_minute: int = Field(default=10, ge=0)  # per user; 0: no limit
    check_min_delay: float = Field(default=2.5, gt=0)
    check_max_delay: float = Field(default=30.0, gt=0)
    check_expected_scale: float = Field(default=1.0, gt=0)
    reconcile_lease_seconds: float = Field(default=60.0, gt=0)
    database_start_wait: float = Field(default=60.0, ge=0)  # seconds; PostgreSQL only
    test_crash_at: str | None = None  # recovery tests only: crash points to die at

    # Money in: Stars packages ("stars:rubles,…"), the custom amount's rate and limits, and the
    # inviter's bonus on an invitee's first top-up.
    stars_packages: str = "50:100,100:210,250:550"
    stars_rub_rate: Decimal = Field(default=Decimal("2"), gt=0)
    stars_custom_min: int = Field(default=20, ge=1)
    stars_custom_max: int = Field(default=10_000, ge=1)
    referral_bonus_rub: Decimal = Field(default=Decimal("50"), ge=0)
    # Operator: alert the admins when the KIE account holds fewer credits than this.
    kie_low_balance_credits: Decimal = Field(default=Decimal("1000"), ge=0)
    kie_balance_check_seconds: float = Field(default=300.0, gt=0)
    # Optional error reporting: Sentry starts (after the port opens) when the DSN is set.
    sentry_dsn: SecretStr | None = None
    sentry_environment: str = Field(default="production", min_length=1, max_length=64)
    # Manual bank transfers, approved by an admin from the receipt: on when the details are set.
    manual_topup_details: str | None = None  # card / account details shown to the user
    manual_topup_min_rub: Decimal = Field(default=Decimal("100"), gt=0)
    manual_topup_max_rub: Decimal = Field(default=Decimal("100000"), gt=0)
    # An unpaid Stars invoice's order, or a manual one still without a receipt, expires after this.
    payment_order_ttl_hours: float = Field(default=24.0, gt=0)
    # Card / SBP top-ups through YooKassa: on when both the shop id and the secret key are set.
    # The receipt fields (54-FZ) are the accountant's choice.
    yookassa_shop_id: str | None = None
    yookassa_secret_key: SecretStr | None = None
    yookassa_api_base: str = YOOKASSA_API
    yookassa_return_url: str | None = None  # unset: back to the bot's t.me link
    yookassa_vat_code: int = Field(default=1, ge=1, le=12)
    yookassa_payment_mode: str = "full_prepayment"
    yookassa_payment_subject: str = "payment"
    yookassa_tax_system_code: int | None = Field(default=None, ge=1, le=6)
    yookassa_packages: str = "100,300,500,1000"
    yookassa_min_rub: Decimal = Field(default=Decimal("50"), gt=0)
    yookassa_max_rub: Decimal = Field(default=Decimal("50000"), gt=0)
    yookassa_check_seconds: float = Field(default=30.0, gt=0)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(int(part) for part in value.replace(";", ",").split(",") if part.strip())
        if isinstance(value, int):
            return (value,)
        return value

    @field_validator("public_base_url", "telegram_api_base", "kie_api_base", "kie_upload_base")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @field_validator("stars_packages")
    @classmethod
    def _check_packages(cls, value: str) -> str:
        parse_packages(value)  # a ValueError here names the bad package
        return value

    @field_validator("referral_bonus_rub", "manual_topup_min_rub", "manual_topup_max_rub")
    @classmethod
    def _whole_kopecks(cls, value: Decimal) -> Decimal:
        rubles_to_kopecks(str(value))
        return value

    @model_validator(mode="after")
    def _custom_range(self) -> "Settings":
        if self.stars_custom_min > self.stars_custom_max:
            raise ValueError("STARS_CUSTOM_MIN must not exceed STARS_CUSTOM_MAX")
        return self

    @model_validator(mode="after")
    def _manual_range(self) -> "Settings":
        if self.manual_topup_min_rub > self.manual_topup_max_rub:
            raise ValueError("MANUAL_TOPUP_MIN_RUB must not exceed MANUAL_TOPUP_MAX_RUB")
        return self

    @field_validator("yookassa_packages")
    @classmethod
    def _check_yookassa_packages(cls, value: str) -> str:
        parse_rub_packages(value)  # a ValueError here names the bad package
        return value

    @field_validator("yookassa_min_rub", "yookassa_max_rub")
    @classmethod
    def _yookassa_whole_kopecks(cls, value: Decimal) -> Decimal:
        rubles_to_kopecks(str(value))
        return value

    @field_validator("yookassa_payment_mode")
    @classmethod
    def _check_payment_mode(cls, value: str) -> str:
        if value not in PAYMENT_MODES:
            raise ValueError(f"one of {', '.join(sorted(PAYMENT_MODES))}")
        return value

    @field_validator("yookassa_payment_subject")
    @classmethod
    def _check_payment_subject(cls, value: str) -> str:
        if not PAYMENT_SUBJECT.fullmatch(value):
            raise ValueError("a YooKassa payment_subject such as payment, service or commodity")
        return value

    @field_validator("yookassa_api_base")
    @classmethod
    def _strip_yookassa_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @model_validator(mode="after")
    def _yookassa_range(self) -> "Settings":
        if self.yookassa_min_rub > self.yookassa_max_rub:
            raise ValueError("YOOKASSA_MIN_RUB must not exceed YOOKASSA_MAX_RUB")
        return self

    @property
    def yookassa_enabled(self) -> bool:
        secret = self.yookassa_secret_key
        return bool(self.yookassa_shop_id) and bool(secret and secret.get_secret_value())

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    def require_for_run(self) -> None:
        """Check what `trt run` cannot start without; raise ConfigError naming the first gap."""
        required: list[tuple[str, object]] = [
            ("BOT_TOKEN", self.bot_token),
            ("KIE_API_KEY", self.kie_api_key),
        ]
        if self.public_base_url:
            required.append(("CALLBACK_SECRET", self.callback_secret))
        if self.bot_mode == "webhook":
            required.append(("PUBLIC_BASE_URL", self.public_base_url))
            required.append(("WEBHOOK_SECRET", self.webhook_secret))
        for name, value in required:
            if value is None or (isinstance(value, SecretStr) and not value.get_secret_value()):
                raise ConfigError(f"{name} is required: set it in the environment or in .env")

    def secret_values(self) -> list[str]:
        """Every secret string, for the log redaction processor."""
        secrets = [
            self.bot_token,
            self.kie_api_key,
            self.kie_webhook_hmac_key,
            self.webhook_secret,
            self.callback_secret,
            self.yookassa_secret_key,
        ]
        return [s.get_secret_value() for s in secrets if s is not None and s.get_secret_value()]


def load_settings(**overrides: object) -> Settings:
    """Build Settings; turn pydantic's report into one line naming the bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise ConfigError(f"{name} is invalid: {first['msg']}") from None
