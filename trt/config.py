"""Settings: one validated object built once from the environment and `.env`.

The flat environment names (BOT_TOKEN, DATABASE_URL, …) are the operator's interface and are
listed in the README. Components receive plain values taken from here, never `Settings` itself.
"""

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from trt.domain.payments import parse_packages, rubles_to_kopecks

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./trt.sqlite3"
TELEGRAM_CLOUD_API = "https://api.telegram.org"
KIE_API = "https://api.kie.ai"
KIE_UPLOAD_API = "https://kieai.redpandaai.co"


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
    check_min_delay: float = Field(default=2.5, gt=0)
    check_max_delay: float = Field(default=30.0, gt=0)
    check_expected_scale: float = Field(default=1.0, gt=0)
    reconcile_lease_seconds: float = Field(default=60.0, gt=0)
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

    @field_validator("referral_bonus_rub")
    @classmethod
    def _whole_kopecks(cls, value: Decimal) -> Decimal:
        rubles_to_kopecks(str(value))
        return value

    @model_validator(mode="after")
    def _custom_range(self) -> "Settings":
        if self.stars_custom_min > self.stars_custom_max:
            raise ValueError("STARS_CUSTOM_MIN must not exceed STARS_CUSTOM_MAX")
        return self

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
