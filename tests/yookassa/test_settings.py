"""The YooKassa settings: on only with both credentials, the secret redacted from logs, and the
receipt and amount settings checked at start-up with one line naming the variable."""

import pytest

from trt.config import YOOKASSA_API, ConfigError, load_settings


def test_card_payments_are_on_only_with_both_the_shop_id_and_the_secret_key() -> None:
    assert not load_settings().yookassa_enabled
    assert not load_settings(yookassa_shop_id="100500").yookassa_enabled
    assert not load_settings(yookassa_secret_key="live_secret").yookassa_enabled
    assert not load_settings(yookassa_shop_id="100500", yookassa_secret_key="").yookassa_enabled
    both = load_settings(yookassa_shop_id="100500", yookassa_secret_key="live_secret")
    assert both.yookassa_enabled


def test_defaults_are_the_real_api_and_the_documented_receipt_fields() -> None:
    settings = load_settings()
    assert settings.yookassa_api_base == YOOKASSA_API == "https://api.yookassa.ru/v3"
    assert (settings.yookassa_vat_code, settings.yookassa_tax_system_code) == (1, None)
    assert settings.yookassa_payment_mode == "full_prepayment"
    assert settings.yookassa_payment_subject == "payment"
    assert settings.yookassa_return_url is None


def test_the_secret_key_is_redacted_from_logs() -> None:
    settings = load_settings(yookassa_shop_id="100500", yookassa_secret_key="live_s3cr3t")
    assert "live_s3cr3t" in settings.secret_values()
    assert "live_s3cr3t" not in repr(settings)


@pytest.mark.parametrize(
    ("setting", "value", "name"),
    [
        ("yookassa_payment_mode", "whenever", "YOOKASSA_PAYMENT_MODE"),
        ("yookassa_payment_subject", "Pay Ment", "YOOKASSA_PAYMENT_SUBJECT"),
        ("yookassa_vat_code", 0, "YOOKASSA_VAT_CODE"),
        ("yookassa_tax_system_code", 7, "YOOKASSA_TAX_SYSTEM_CODE"),
        ("yookassa_packages", "100,abc", "YOOKASSA_PACKAGES"),
        ("yookassa_packages", "100,100", "YOOKASSA_PACKAGES"),
        ("yookassa_min_rub", "10.001", "YOOKASSA_MIN_RUB"),
        ("yookassa_max_rub", "-5", "YOOKASSA_MAX_RUB"),
    ],
)
def test_a_bad_setting_stops_start_up_naming_it(setting: str, value: object, name: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings(**{setting: value})


def test_the_custom_range_must_be_a_range() -> None:
    with pytest.raises(ConfigError, match="YOOKASSA_MIN_RUB must not exceed YOOKASSA_MAX_RUB"):
        load_settings(yookassa_min_rub="500", yookassa_max_rub="100")
