"""What we last pushed, recorded inside the dashboard we push, and drift detection from it.

Every dashboard obsgen pushes carries
- the tag MANAGED_TAG: "this package created it" (the only dashboards `--prune` may delete), and
- a top-level STAMP_KEY object: the sha256 of the content we pushed, the version Grafana gives it
  when our save succeeds, the git revision and the service.

The record lives in Grafana itself, so it survives between runs and CI machines, and needs no
state file. Drift: the dashboard's version moved past the stamped one AND its content no longer
hashes to the stamped sha256. A dashboard saved from Grafana's UI loses the unknown STAMP_KEY;
an unstamped dashboard that differs from the catalog is drift as well ("saved outside obsgen").
"""
from __future__ import annotations

import copy
import difflib
import hashlib
import json
from dataclasses import dataclass

MANAGED_TAG = "obsgen-managed"
STAMP_KEY = "obsgenDeploy"
# Keys Grafana owns (id, version) or we add (the stamp): never part of the compared content.
_VOLATILE_KEYS = ("id", "version", STAMP_KEY)


def content(dashboard: dict) -> dict:
    """The dashboard without the keys Grafana or the stamp own: what we compare and hash."""
    return {k: v for k, v in dashboard.items() if k not in _VOLATILE_KEYS}


def canonical(dashboard: dict) -> str:
    return json.dumps(content(dashboard), indent=2, sort_keys=True, ensure_ascii=False)


def content_hash(dashboard: dict) -> str:
    return hashlib.sha256(canonical(dashboard).encode("utf-8")).hexdigest()


def desired(dashboard: dict) -> dict:
    """The catalog's dashboard as we push it: marked with MANAGED_TAG, no id, no version."""
    out = copy.deepcopy(dashboard)
    out.pop("id", None)
    out.pop("version", None)
    out["tags"] = sorted(set(out.get("tags", [])) | {MANAGED_TAG})
    return out


def stamped(dashboard: dict, version: int, revision: str, service: str) -> dict:
    """`dashboard` with the stamp recording its hash and the version our save will produce."""
    out = copy.deepcopy(dashboard)
    out[STAMP_KEY] = {"sha256": content_hash(dashboard), "version": version, "revision": revision,
                      "service": service}
    return out


def stamp_of(dashboard: dict) -> dict | None:
    stamp = dashboard.get(STAMP_KEY)
    return stamp if isinstance(stamp, dict) else None


@dataclass(frozen=True)
class Drift:
    uid: str
    reason: str  # one line: what moved since our last deploy


def drift(current: dict, meta: dict) -> Drift | None:
    """Whether the dashboard in Grafana changed since our last deploy (None: it did not)."""
    uid = str(current.get("uid"))
    stamp = stamp_of(current)
    by = _who(meta)
    if stamp is None:
        return Drift(uid, f"it carries no obsgen stamp: it was saved outside obsgen{by} or never deployed by it")
    version = current.get("version")
    if version == stamp.get("version") or content_hash(current) == stamp.get("sha256"):
        return None
    return Drift(uid, f"version {stamp.get('version')} -> {version} since our deploy of revision "
                      f"{stamp.get('revision')}, and its content differs from what we pushed{by}")


def _who(meta: dict) -> str:
    who, when = meta.get("updatedBy"), meta.get("updated")
    if who and when:
        return f" (last saved by {who} at {when})"
    return f" (last saved by {who})" if who else ""


def outline(dashboard: dict) -> list[str]:
    """A new dashboard in brief: its title and panels, one line each."""
    lines = [f"+ dashboard \"{dashboard.get('title')}\" tags {', '.join(dashboard.get('tags', []))}"]
    for panel in dashboard.get("panels", []):
        lines.append(f"+ {panel.get('type')} panel \"{panel.get('title')}\"")
    return lines


def diff(before: dict | None, after: dict, uid: str, limit: int = 60) -> list[str]:
    """A unified diff of the canonical content, Grafana's side first; at most `limit` lines."""
    old = canonical(before).splitlines() if before is not None else []
    new = canonical(after).splitlines()
    lines = list(difflib.unified_diff(old, new, f"grafana/{uid}", f"catalog/{uid}", n=2, lineterm=""))
    if len(lines) > limit:
        lines = lines[:limit] + [f"... {len(lines) - limit} more diff line(s)"]
    return lines
