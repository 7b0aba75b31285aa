"""A small catalog with SLOs, shared by the SLO tests: a ratio SLO on one counter (5xx of /pay over
/pay requests), with tier overrides, and a latency SLO on a histogram."""
from __future__ import annotations

from pathlib import Path

from tests.support.catalog_builder import service_text

# written as text: the SLO error tests edit its lines and find the error's line by the text left there
SHOP = service_text("shop-api", team="web", runbook_base_url="https://runbooks.example.com/shop/") + """
metrics:
  - name: http_requests_total
    type: counter
    help: Requests by status code and route.
    labels:
      - {name: code, values: ["200", "404", "500", "503"]}
      - {name: route, values: [/pay, /health]}
  - name: shop_request_duration_seconds
    type: histogram
    help: Request time.
    buckets: [0.1, 0.25, 0.5, 1]
    labels:
      - {name: route, values: [/pay, /health]}

load_tests:
  scenarios:
    - name: smoke
      executor: constant-vus
      vus: 1
      duration: 5s
      requests:
        - {name: pay, method: GET, path: /pay}

alerting:
  default_receiver: chat
  receivers:
    - {name: pager, type: pagerduty, routing_key_file: /run/secrets/pd}
    - {name: chat, type: slack, api_url_file: /run/secrets/slack}
  routes:
    - {receiver: pager, matchers: ['severity="critical"']}

slos:
  - name: availability
    description: Payments that do not fail on the server.
    target: 99.5
    period: 28d
    ratio:
      errors: {metric: http_requests_total, matchers: {code: {"=~": "5.."}, route: /pay}}
      total: {metric: http_requests_total, matchers: {route: /pay}}
    alerting:
      runbook: https://runbooks.example.com/shop/slo
      tiers:
        - {long: 3d, disable: true}
        - {long: 1h, factor: 10}
  - name: latency
    target: 99
    latency: {metric: shop_request_duration_seconds, threshold: 0.5, matchers: {route: /pay}}
"""


def write_catalog(root: Path, text: str = SHOP) -> Path:
    (root / "catalog").mkdir(parents=True, exist_ok=True)
    path = root / "catalog" / "shop.yaml"
    path.write_text(text, encoding="utf-8")
    return path
