"""Small catalogs with an `alerting:` section, built in code, and amtool run on what they render:
the helpers of tests/test_alerting.py and tests/test_alerting_project.py."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from generator.catalog import load_catalog
from generator.errors import CatalogError
from generator.renderers import alertmanager
from tests.support.catalog_builder import CatalogBuilder, counter

AMTOOL = shutil.which("amtool") or "amtool"  # make setup installs it; missing means fail, never skip


def minimal(name: str = "orders-api", team: str = "orders", **alerting) -> dict:
    """A minimal valid catalog with an alerting section of two receivers, plus `alerting` overrides."""
    section = {
        "default_receiver": "chat",
        "receivers": [
            {"name": "pager", "type": "pagerduty", "routing_key_file": "/run/secrets/pd"},
            {"name": "chat", "type": "slack", "api_url_file": "/run/secrets/slack", "channel": "#orders"},
        ],
        "routes": [{"receiver": "pager", "matchers": ['severity="critical"']}],
    }
    section.update(alerting)
    return CatalogBuilder(name, team=team, metrics=[counter("requests_total")]).alerting(section).data


def write(tmp_path: Path, data: dict, name: str = "catalog.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def load(tmp_path: Path, data: dict, name: str = "catalog.yaml"):
    return load_catalog(write(tmp_path, data, name), base=tmp_path)


def problems(tmp_path: Path, data: dict) -> dict[str, str]:
    with pytest.raises(CatalogError) as exc:
        load(tmp_path, data)
    for p in exc.value.problems:
        assert p.location.file == "catalog.yaml" and p.location.line, p
    return {p.location.path: p.message for p in exc.value.problems}


def amtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([AMTOOL, *args], capture_output=True, text=True, timeout=30)


def checked_config(tmp_path: Path, *catalogs) -> Path:
    path = tmp_path / "alertmanager.yml"
    path.write_text(alertmanager.render_many(catalogs)[alertmanager.CONFIG_PATH])
    result = amtool("check-config", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    return path


def routed(config: Path, **labels: str) -> str:
    result = amtool("config", "routes", "test", f"--config.file={config}", *(f"{k}={v}" for k, v in labels.items()))
    return result.stdout.strip()


ALL_KINDS = [
    {"name": "pager", "type": "pagerduty", "routing_key_file": "/run/secrets/pd", "send_resolved": False},
    {"name": "chat", "type": "slack", "api_url_file": "/run/secrets/slack"},
    {"name": "hook", "type": "webhook", "url": "https://relay.example.com/alerts", "credentials_file": "/run/secrets/hook",
     "max_alerts": 10},
    {"name": "mail", "type": "email", "to": "oncall@example.com", "from": "am@example.com",
     "smarthost": "smtp.example.com:587", "auth_username": "am", "auth_password_file": "/run/secrets/smtp"},
    {"name": "genie", "type": "opsgenie", "api_key_file": "/run/secrets/genie", "api_url": "https://api.eu.opsgenie.com/",
     "priority": "P2"},
    {"name": "vo", "type": "victorops", "api_key_file": "/run/secrets/vo", "routing_key": "orders"},
    {"name": "room", "type": "webex", "room_id": "abc", "credentials_file": "/run/secrets/webex"},
    {"name": "topic", "type": "sns", "topic_arn": "arn:aws:sns:eu-west-1:123456789012:alerts", "region": "eu-west-1"},
]
