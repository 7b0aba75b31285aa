"""The reference dashboard-summary service: SQLite storage, summary strategies, metrics from the catalog.

`obsgen seed` fills a database (`exporter.seeding`), `obsgen serve` runs the HTTP service
(`exporter.server`). The metric contract is read from the catalog (`exporter.contract`).
"""
