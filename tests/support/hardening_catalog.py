"""The small valid catalog the hardening tests edit as text (keys, aliases, bytes), independent of
the shipped one, and the helpers that load an edited copy."""
from __future__ import annotations

from pathlib import Path

import pytest

from generator.catalog import load_catalog
from generator.errors import CatalogError

# The text these tests edit: a small valid catalog, independent of the shipped one.
GOOD = """# yaml-language-server: $schema=../generator/catalog/catalog.schema.json
# A small catalog written out as text: these tests edit its text (keys, aliases, bytes).

service:
  name: shop
  title: Shop
  team: backend
  runbook_base_url: https://runbooks.example.com/shop
  grafana:
    folder: {uid: shop, title: Shop}
    datasource: {type: prometheus, uid: prometheus}
  selector: {job: shop-api}
  scrape_interval: 15s

metrics:
  - name: shop_request_duration_seconds
    type: histogram
    help: Time spent serving one request.
    unit: seconds
    buckets: [0.05, 0.1, 0.2, 0.5, 1.0, 2.0]
  - name: shop_orders_total
    type: counter
    help: Orders counted, by state.
    unit: orders
    labels:
      - name: state
        values: [paid, pending, failed]
  - name: shop_errors_total
    type: counter
    help: Requests that failed, by cause.
    unit: errors
    labels:
      - name: error_type
        values: [database, auth, other]
  - name: http_requests_total
    type: counter
    help: HTTP requests served, by path.
    unit: requests
    labels:
      - name: path
        values: [/orders, /healthz]

tiers:
  - {name: large, target: 0.5, critical: 1.0}

objectives:
  - name: latency
    kind: latency
    metric: shop_request_duration_seconds
    quantile: 0.95
    threshold: {tier: large}
    alert:
      name: ShopSlowResponse
      for: 5m
      severity: warning
      summary: Shop API is slow
      description: p95 is {{ $value | humanizeDuration }} on {{ $labels.job }}, above ${threshold} for ${for}.
  - name: errors
    kind: error_ratio
    errors: {metric: shop_errors_total, exclude: {error_type: [auth]}}
    total: {metric: http_requests_total, matchers: {path: /orders}}
    threshold: 0.01
    alert:
      name: ShopHighErrorRate
      for: 3m
      severity: critical
      summary: Shop error rate is high
      description: '{{ $value | humanizePercentage }} of requests on {{ $labels.job }} fail, above ${threshold}.'

alerts:
  - name: ShopTargetDown
    expr: up{$selector} == 0
    for: 2m
    severity: critical
    summary: Shop target is down
    description: Prometheus cannot scrape {{ $labels.instance }} of job {{ $labels.job }}.
    test: {series: 'up{$selector, instance="shop-0:8080"}', firing: 0, quiet: 1}

recording_rules:
  - record: job_state:shop_orders:rate5m
    expr: sum by (job, state) (rate(shop_orders_total{$selector}[5m]))

alerting:
  group_by: [alertname, job]
  repeat_interval: 4h
  default_receiver: chat
  receivers:
    - {name: pager, type: pagerduty, routing_key_file: /run/secrets/pd}
    - {name: chat, type: slack, api_url_file: /run/secrets/slack, channel: '#shop'}
  routes:
    - receiver: pager
      matchers: ['severity="critical"']
      repeat_interval: 1h
"""


def line_of(text: str, needle: str, start: int = 0) -> int:
    return text[: text.index(needle, start)].count("\n") + 1


def replace(old: str, new: str, text: str = GOOD) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def catalog_problems(tmp_path: Path, content: str | bytes) -> list[str]:
    path = tmp_path / "c.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        load_catalog(path, base=tmp_path)
    return [str(p) for p in err.value.problems]


def project(tmp_path: Path, text: str | None = None) -> Path:
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "shop.yaml").write_text(GOOD if text is None else text, encoding="utf-8")
    return tmp_path / "catalog" / "shop.yaml"
