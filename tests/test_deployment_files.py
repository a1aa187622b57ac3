"""The deployment files are checked for syntax and for what they promise (no Docker engine here)."""

from pathlib import Path

import yaml

from trt.config import Settings

ROOT = Path(__file__).resolve().parent.parent
DOCKER_INSTRUCTIONS = {
    "FROM",
    "WORKDIR",
    "COPY",
    "RUN",
    "ENV",
    "USER",
    "VOLUME",
    "EXPOSE",
    "HEALTHCHECK",
    "CMD",
    "ARG",
    "LABEL",
    "ENTRYPOINT",
}


def dockerfile_instructions() -> list[tuple[str, str]]:
    lines, current = [], ""
    for raw in (ROOT / "Dockerfile").read_text().splitlines():
        if raw.lstrip().startswith("#") or not raw.strip():
            continue
        current += raw.rstrip("\\").strip() + " "
        if not raw.rstrip().endswith("\\"):
            keyword, _, rest = current.strip().partition(" ")
            lines.append((keyword, rest))
            current = ""
    return lines


def test_the_dockerfile_is_well_formed_non_root_and_health_checked() -> None:
    instructions = dockerfile_instructions()
    assert {keyword for keyword, _ in instructions} <= DOCKER_INSTRUCTIONS
    assert instructions[0][0] == "FROM"
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users
    assert users[-1] != "root"
    assert any(keyword == "HEALTHCHECK" and "/health" in rest for keyword, rest in instructions)
    assert instructions[-1] == ("CMD", '["trt", "run"]')


def test_compose_runs_the_bot_with_postgres_and_redis() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"bot", "postgres", "redis"}
    environment = services["bot"]["environment"]
    assert environment["DATABASE_URL"].startswith("postgresql://")
    assert environment["REDIS_URL"].startswith("redis://")
    assert services["bot"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_render_blueprint_is_a_webhook_service_with_health_and_known_settings() -> None:
    blueprint = yaml.safe_load((ROOT / "render.yaml").read_text())
    [service] = blueprint["services"]
    assert service["healthCheckPath"] == "/health"
    env = {item["key"]: item for item in service["envVars"]}
    assert env["BOT_MODE"]["value"] == "webhook"
    known = {name.upper() for name in Settings.model_fields}
    assert set(env) <= known
    assert {"BOT_TOKEN", "KIE_API_KEY", "PUBLIC_BASE_URL", "WEBHOOK_SECRET"} <= set(env)
