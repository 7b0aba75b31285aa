"""Deploying generated artifacts: dashboards to the Grafana HTTP API, rule files to Prometheus."""
