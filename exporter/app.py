"""The service's behaviour, free of sockets: a request (method, path, headers, body) -> a Response.

Every answer is JSON except /metrics; no answer ever carries a traceback. Summary requests are
timed, counted and logged; their failures are counted by error type:
auth (401: missing or unknown token), database (503: missing, locked or broken database),
calculation (500: counts that do not add up), other (500: anything unexpected, injected faults).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass

from prometheus_client.exposition import CONTENT_TYPE_LATEST

from exporter import compact_json
from exporter.auth import AuthError, bearer_token, find_user
from exporter.cache import CacheUnavailable
from exporter.contract import Contract
from exporter.database import Database, DatabaseUnavailable
from exporter.faults import Faults
from exporter.logs import REQUEST_LOG_FIELDS, JsonLog, check_log_fields, summary_fields
from exporter.metrics import ServiceMetrics
from exporter.rollout import Rollout
from exporter.summary import FIELDS, CalculationError

JSON = "application/json"
INVALIDATE_PATH = "/api/dashboard/invalidate"
FAULTS_PATH = "/-/faults"
OTHER_ROUTES = (INVALIDATE_PATH, "/metrics", "/healthz", "/readyz")


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = JSON
    headers: tuple[tuple[str, str], ...] = ()


def json_response(status: int, payload: dict, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    return Response(status, compact_json.dumps(payload), JSON, headers)


def error_response(status: int, message: str, error_type: str | None = None, **extra) -> Response:
    payload = {"error": message}
    if error_type:
        payload["error_type"] = error_type
    payload.update(extra)
    headers = (("WWW-Authenticate", 'Bearer realm="ampel"'),) if status == 401 else ()
    return json_response(status, payload, headers)


class SummaryApp:
    def __init__(self, contract: Contract, db: Database, strategy, log: JsonLog, faults: Faults | None = None):
        """`strategy`: one strategy, or an `exporter.rollout.Rollout` choosing one per user.
        `faults` None: fault injection is off and /-/faults does not exist."""
        self.contract = contract
        self.db = db
        self.strategy = strategy if isinstance(strategy, Rollout) else Rollout.single(strategy)
        self.log = log
        self.faults = faults
        check_log_fields(contract.log_fields, set(FIELDS) | set(REQUEST_LOG_FIELDS))
        self._routes = {
            contract.summary_path: {"GET": self.summary},
            INVALIDATE_PATH: {"POST": self.invalidate},
            "/metrics": {"GET": self.metrics_page},
            "/healthz": {"GET": self.healthz},
            "/readyz": {"GET": self.readyz},
        }
        if faults is not None:
            self._routes[FAULTS_PATH] = {"POST": self.set_faults}
        counted = contract.request_labels.path.values
        self.metrics = ServiceMetrics(contract, {p: tuple(m) for p, m in self._routes.items() if p in counted},
                                      self.strategy.cache_counts, self.strategy.split.names)

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Response:
        """Route one request; `headers` is keyed by lower-case name. HEAD is answered like GET
        (the HTTP layer drops the body)."""
        path = path.split("?", 1)[0]
        handlers = self._routes.get(path)
        if handlers is None:
            return error_response(404, "not found", path=path)
        handler = handlers.get("GET" if method == "HEAD" else method)
        if handler is None or (method == "HEAD" and "GET" not in handlers):
            allowed = sorted(handlers) + (["HEAD"] if "GET" in handlers else [])
            return error_response(405, f"method {method} not allowed on {path}", allowed=allowed)
        try:
            return handler(headers, body)
        except Exception as exc:  # the last line of defence: a clean 500, the cause in the log only
            self.log.error("Unhandled error", path=path, method=method, error=f"{type(exc).__name__}: {exc}")
            return error_response(500, "internal error", "other")

    # --- the summary -------------------------------------------------------------------------

    def summary(self, headers, body: bytes) -> Response:
        started = time.perf_counter()
        user = None
        try:
            token = bearer_token(headers.get("authorization"))
            with self.db.session() as session:
                user = find_user(session, token)
                arm = self.strategy.choose(user)
                computing = time.perf_counter()
                try:
                    if self.faults is not None:
                        self.faults.apply(arm.name)
                    result = arm.summary(session, user)
                finally:
                    self.metrics.observe_duration(time.perf_counter() - computing, arm.name)
        except AuthError as exc:
            return self._failed(401, "auth", str(exc), started, user)
        except DatabaseUnavailable as exc:
            return self._failed(503, "database", str(exc), started, user)
        except CalculationError as exc:
            return self._failed(500, "calculation", str(exc), started, user)
        except Exception as exc:
            return self._failed(500, "other", f"{type(exc).__name__}: {exc}", started, user)
        counts = result.as_dict()
        self.metrics.count_breakdown({s: counts[f"{s}_count"] for s in self.contract.breakdown_label.values})
        duration_ms = round((time.perf_counter() - started) * 1000, 3)
        self.log.info("Dashboard summary generated",
                      **summary_fields(self.contract.log_fields,
                                       {**counts, "user_id": user.uuid, "duration_ms": duration_ms}))
        return json_response(200, counts)

    def _failed(self, status: int, error_type: str, detail: str, started: float, user) -> Response:
        self.metrics.count_error(error_type)
        duration_ms = round((time.perf_counter() - started) * 1000, 3)
        level = self.log.warning if error_type == "auth" else self.log.error
        level("Dashboard summary failed", user_id=user.uuid if user else None, duration_ms=duration_ms,
              error_type=error_type, status=status, error=detail)
        public = {"auth": detail, "database": "database unavailable",
                  "calculation": "summary counts are inconsistent", "other": "internal error"}[error_type]
        return error_response(status, public, error_type)

    def invalidate(self, headers, body: bytes) -> Response:
        try:
            token = bearer_token(headers.get("authorization"))
            with self.db.session() as session:
                user = find_user(session, token)
        except AuthError as exc:
            return error_response(401, str(exc), "auth")
        except DatabaseUnavailable:
            return error_response(503, "database unavailable", "database")
        try:
            dropped = self.strategy.invalidate(user)
        except CacheUnavailable as exc:  # the entry may still be served until its TTL: the caller should retry
            self.log.error("Dashboard summary invalidation failed", user_id=user.uuid, error=str(exc))
            return error_response(503, "cache unavailable", "cache")
        self.log.info("Dashboard summary invalidated", user_id=user.uuid, dropped=dropped)
        return json_response(200, {"invalidated": dropped, "user_id": user.uuid})

    # --- operations --------------------------------------------------------------------------

    def metrics_page(self, headers, body: bytes) -> Response:
        return Response(200, self.metrics.exposition(), CONTENT_TYPE_LATEST)

    def healthz(self, headers, body: bytes) -> Response:
        return json_response(200, {"status": "ok"})

    def readyz(self, headers, body: bytes) -> Response:
        """503 when the database cannot be read. A cache that cannot be reached leaves the service
        ready (it serves from the database) but says so: status "degraded", and the cache's state."""
        cache = self.strategy.cache_status()
        extra = {"cache": cache} if cache else {}
        try:
            self.db.ping()
        except DatabaseUnavailable as exc:
            return json_response(503, {"status": "unavailable", "error": str(exc), "error_type": "database", **extra})
        degraded = cache is not None and cache["status"] != "ok"
        return json_response(200, {"status": "degraded" if degraded else "ready", **extra})

    def set_faults(self, headers, body: bytes) -> Response:
        try:
            payload = json.loads(body or b"null")
            state = self.faults.configure(payload)
        except (ValueError, UnicodeDecodeError) as exc:
            return error_response(400, f"bad fault settings: {exc}")
        self.log.warning("Fault injection set", **state)
        return json_response(200, state)
