"""The reference dashboard-summary service: SQLite storage, summary strategies, metrics from the catalog.

`obsgen-exporter seed` fills a database (`exporter.seeding`), `obsgen-exporter serve` runs the HTTP service
(`exporter.server`). The metric contract is read from the catalog (`exporter.contract`).
"""

# Where `obsgen-exporter serve` listens by default; the generated k6 scripts point there unless BASE_URL is set.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787
