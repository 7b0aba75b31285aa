"""`deploy grafana`: push the catalogs' dashboards through the Grafana HTTP API.

For each dashboard: GET it by uid, compare its content with the catalog's, skip it when equal,
refuse it when it drifted (see dashboard_stamp), otherwise POST /api/dashboards/db with the
folder uid, the version we read (so a concurrent edit yields 412 instead of being lost) and a
message naming the git revision. Folders are created by uid when missing. `prune` deletes
dashboards that carry our tag and our stamp for one of the deployed services and are no longer in
the catalogs. `dry_run` reads only, and reports the same plan with diffs.

A failure on one dashboard (or one folder, or one prune candidate) is recorded as its outcome
and the others carry on; only a failed health check, or UNREACHABLE_IN_A_ROW dashboards in a row
that found Grafana unreachable (each after every retry), end the run early, and what was not
tried is listed as such. The run's exit code is the worst code of
its outcomes, in the order of SEVERITY.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from generator.deploy import dashboard_stamp as stamp
from generator.deploy.grafana_client import GrafanaAuthError, GrafanaClient, GrafanaError, GrafanaRejected, \
    GrafanaUnavailable
from generator.errors import EXIT_AUTH, EXIT_DRIFT, EXIT_OK, EXIT_REJECTED, EXIT_UNREACHABLE
from generator.model import Catalog
from generator.derive import derive

CREATE, UPDATE, UNCHANGED, DRIFTED, REJECTED, PRUNE, KEPT, FAILED, SKIPPED = (
    "create", "update", "unchanged", "drifted", "rejected", "prune", "kept", "failed", "skipped")

# "Worst" exit code first: credentials refused (nothing can work), Grafana unreachable (nothing
# could be checked), a change refused or an answer that is not Grafana's API, drift refused.
SEVERITY = (EXIT_AUTH, EXIT_UNREACHABLE, EXIT_REJECTED, EXIT_DRIFT)
UNREACHABLE_IN_A_ROW = 3  # dashboards in a row that found Grafana unreachable before the rest is skipped


def exit_code_of(exc: GrafanaError) -> int:
    """The documented exit code of a client error."""
    if isinstance(exc, GrafanaAuthError):
        return EXIT_AUTH
    if isinstance(exc, GrafanaUnavailable):
        return EXIT_UNREACHABLE
    return EXIT_REJECTED  # GrafanaRejected and GrafanaProtocolError


def worst(codes) -> int:
    """The first code of SEVERITY among `codes` (0 when all are 0)."""
    present = set(codes)
    return next((code for code in SEVERITY if code in present), EXIT_OK)


@dataclass(frozen=True)
class Wanted:
    """One dashboard as the catalog wants it in Grafana."""

    uid: str
    title: str
    folder_uid: str
    folder_title: str
    service: str
    dashboard: dict


def wanted_dashboards(catalogs: list[Catalog]) -> list[Wanted]:
    out = []
    for catalog in catalogs:
        service = catalog.service
        for derived in derive(catalog).dashboards:
            d = derived.dashboard
            out.append(Wanted(d.uid, d.title, service.folder_uid, service.folder_title, service.name,
                              stamp.desired(derived.document)))
    return sorted(out, key=lambda w: w.uid)


@dataclass
class Outcome:
    uid: str
    action: str
    detail: str = ""
    diff: list[str] = field(default_factory=list)
    code: int = EXIT_OK  # this dashboard's exit code: 6 drifted, 8 rejected, a failure's code

    def __post_init__(self):
        if self.code == EXIT_OK and self.action in (DRIFTED, REJECTED):
            self.code = EXIT_DRIFT if self.action == DRIFTED else EXIT_REJECTED


@dataclass
class Report:
    dry_run: bool
    folders_created: list[str] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    @property
    def exit_code(self) -> int:
        return worst(o.code for o in self.outcomes)

    def _labels(self) -> dict[str, str]:
        done = {CREATE: "created", UPDATE: "updated", UNCHANGED: "unchanged", DRIFTED: "refused (drifted)",
                REJECTED: "rejected", PRUNE: "deleted", KEPT: "kept", FAILED: "failed", SKIPPED: "not tried"}
        if self.dry_run:
            done.update({CREATE: "to create", UPDATE: "to update", PRUNE: "to delete"})
        return done

    def table(self) -> list[str]:
        """One line per dashboard: what happened to it, and for the failed ones why, with their exit code."""
        labels = self._labels()
        width = max((len(o.uid) for o in self.outcomes), default=0)
        lines = []
        for o in self.outcomes:
            line = f"  {labels[o.action]:<17} {o.uid:<{width}}"
            if o.code:
                line += f"  exit {o.code}: {o.detail}"
            elif o.action == SKIPPED:
                line += f"  {o.detail}"
            lines.append(line.rstrip())
        return lines

    def summary(self) -> str:
        done = self._labels()
        parts = [f"{self.count(a)} {label}" for a, label in done.items()
                 if self.count(a) or a in (CREATE, UPDATE, UNCHANGED)]
        verb = "to create" if self.dry_run else "created"
        folders = f"; folders {verb}: {', '.join(self.folders_created)}" if self.folders_created else ""
        mode = "dry run, nothing changed: " if self.dry_run else ""
        code = self.exit_code
        codes = sorted({o.code for o in self.outcomes if o.code}, key=SEVERITY.index)
        ending = f"; exit {code} (worst of {', '.join(map(str, codes))})" if len(codes) > 1 else (
            f"; exit {code}" if code else "")
        return f"{mode}dashboards {', '.join(parts)}{folders}{ending}"


@dataclass
class Options:
    revision: str
    dry_run: bool = False
    force: bool = False
    prune: bool = False
    diff_lines: int = 60


class GrafanaDeploy:
    def __init__(self, client: GrafanaClient, options: Options, out: Callable[[str], None],
                 err: Callable[[str], None] | None = None):
        self.client, self.options, self.out = client, options, out
        self.err = err or out
        self._stopped = ""  # why the rest of the run is not tried
        self._unreachable_in_a_row = 0

    def run(self, wanted: list[Wanted]) -> Report:
        """Deploy every dashboard; raises GrafanaError only when the health check fails."""
        report = Report(dry_run=self.options.dry_run)
        self.client.health()
        folder_failures = self._ensure_folders(wanted, report)
        for item in wanted:
            failure = folder_failures.get(item.folder_uid)
            if failure is not None:
                report.outcomes.append(self._show(Outcome(item.uid, FAILED, f"folder {item.folder_uid}: {failure[1]}",
                                                          code=failure[0])))
            elif self._stopped:
                report.outcomes.append(self._show(Outcome(item.uid, SKIPPED, self._stopped)))
            else:
                report.outcomes.append(self._attempt(item.uid, lambda: self._deploy_one(item, report)))
        if self.options.prune:
            if self._stopped:
                report.outcomes.append(self._show(Outcome("(prune)", SKIPPED, self._stopped)))
            else:
                report.outcomes.extend(self._prune(wanted))
        return report

    def _attempt(self, uid: str, step: Callable[[], Outcome]) -> Outcome:
        """Run one dashboard's step; a client error becomes that dashboard's FAILED outcome."""
        try:
            outcome = step()
        except GrafanaError as exc:
            outcome = self._show(Outcome(uid, FAILED, str(exc), code=exit_code_of(exc)))
            self._note_failure(exc)
            return outcome
        self._unreachable_in_a_row = 0
        return outcome

    def _note_failure(self, exc: GrafanaError) -> None:
        if isinstance(exc, GrafanaUnavailable):
            self._unreachable_in_a_row += 1
            if self._unreachable_in_a_row >= UNREACHABLE_IN_A_ROW:
                self._stopped = f"Grafana was unreachable for {UNREACHABLE_IN_A_ROW} dashboards in a row"
        else:
            self._unreachable_in_a_row = 0

    # -- folders -----------------------------------------------------------------------------
    def _ensure_folders(self, wanted: list[Wanted], report: Report) -> dict[str, tuple[int, str]]:
        """Create the missing folders; returns {folder uid: (exit code, message)} for those that failed."""
        failed = {}
        for uid, title in sorted({(w.folder_uid, w.folder_title) for w in wanted}):
            if self._stopped:
                break
            try:
                if self.client.get_folder(uid) is not None:
                    continue
                if not self.options.dry_run:
                    self.client.create_folder(uid, title)
            except GrafanaError as exc:
                failed[uid] = (exit_code_of(exc), str(exc))
                self.err(f"error: folder {uid}: {exc}")
                self._note_failure(exc)
                continue
            report.folders_created.append(uid)
            self.out(f"folder    {uid} ({title}): {'would be created' if self.options.dry_run else 'created'}")
        return failed

    # -- one dashboard -----------------------------------------------------------------------
    def _deploy_one(self, item: Wanted, report: Report) -> Outcome:
        found = self.client.get_dashboard(item.uid)
        if found is None:
            outcome = Outcome(item.uid, CREATE, f"new in folder {item.folder_uid}", stamp.outline(item.dashboard))
            return self._save(item, None, outcome)
        current, meta = found["dashboard"], found.get("meta", {})
        same_folder = meta.get("folderUid", "") == item.folder_uid
        if stamp.content(current) == stamp.content(item.dashboard) and same_folder:
            return self._show(Outcome(item.uid, UNCHANGED, f"version {current.get('version')}"))
        changes = stamp.diff(current, item.dashboard, item.uid, self.options.diff_lines)
        moved = "" if same_folder else f"; moves from folder {meta.get('folderUid') or '(root)'} to {item.folder_uid}"
        drifted = stamp.drift(current, meta)
        if drifted is not None and not self.options.force:
            return self._show(Outcome(item.uid, DRIFTED, f"changed in Grafana since our last deploy: {drifted.reason}; "
                                                         "not overwritten (use --force to overwrite)", changes))
        forced = f"; overwrites changes made in Grafana ({drifted.reason})" if drifted else ""
        outcome = Outcome(item.uid, UPDATE, f"version {current.get('version')}{moved}{forced}", changes)
        return self._save(item, current, outcome)

    def _save(self, item: Wanted, current: dict | None, outcome: Outcome) -> Outcome:
        if self.options.dry_run:
            return self._show(outcome)
        version = None if current is None else current.get("version")
        body = stamp.stamped(item.dashboard, (version or 0) + 1, self.options.revision, item.service)
        if version is not None:
            body["version"] = version
        message = f"obsgen deploy of revision {self.options.revision}"
        try:
            saved = self.client.save_dashboard(body, item.folder_uid, message, overwrite=self.options.force)
        except GrafanaRejected as exc:
            if exc.reason == "version-mismatch" and self._already_there(item):
                outcome.detail += "; already saved by an earlier attempt of this deploy"
                return self._show(outcome)
            return self._show(Outcome(item.uid, REJECTED, explain_rejection(exc, item)))
        outcome.detail += f" -> version {saved.get('version')}"
        if saved.get("version") != body[stamp.STAMP_KEY]["version"]:
            outcome.detail += (f"; note: the stamp records version {body[stamp.STAMP_KEY]['version']}, so the next "
                               "deploy judges drift by content alone")
        return self._show(outcome)

    def _already_there(self, item: Wanted) -> bool:
        """After a retried save: did our own first attempt land (its answer was lost)?"""
        found = self.client.get_dashboard(item.uid)
        if found is None:
            return False
        current = found["dashboard"]
        landed = stamp.stamp_of(current) or {}
        return (stamp.content(current) == stamp.content(item.dashboard)
                and landed.get("revision") == self.options.revision)

    # -- prune -------------------------------------------------------------------------------
    def _prune(self, wanted: list[Wanted]) -> list[Outcome]:
        keep = {w.uid for w in wanted}
        services = {w.service for w in wanted}
        try:
            hits = self.client.search_dashboards(stamp.MANAGED_TAG)
        except GrafanaError as exc:
            return [self._show(Outcome("(prune)", FAILED, f"searching for dashboards to prune: {exc}",
                                       code=exit_code_of(exc)))]
        outcomes = []
        for uid in sorted({str(hit.get("uid")) for hit in hits} - keep):
            if self._stopped:
                outcomes.append(self._show(Outcome(uid, SKIPPED, self._stopped)))
                continue
            outcome = self._attempt(uid, lambda: self._prune_one(uid, services))
            if outcome is not None:
                outcomes.append(outcome)
        return outcomes

    def _prune_one(self, uid: str, services: set[str]) -> Outcome | None:
        found = self.client.get_dashboard(uid)
        if found is None:
            return None
        current, meta = found["dashboard"], found.get("meta", {})
        marker = stamp.stamp_of(current)
        if marker is None or marker.get("service") not in services:
            owner = f"service {marker.get('service')}" if marker else "no obsgen stamp"
            return self._show(Outcome(uid, KEPT, f"tagged {stamp.MANAGED_TAG} but not deployed for "
                                                 f"these catalogs ({owner}); left alone"))
        drifted = stamp.drift(current, meta)
        if drifted is not None and not self.options.force:
            return self._show(Outcome(uid, KEPT, f"no longer in the catalog but changed in Grafana "
                                                 f"since our deploy: {drifted.reason}; not deleted "
                                                 "(use --force to delete)"))
        if not self.options.dry_run:
            self.client.delete_dashboard(uid)
        return self._show(Outcome(uid, PRUNE, f"\"{current.get('title')}\" is no longer in the catalog"))

    # -- output ------------------------------------------------------------------------------
    def _show(self, outcome: Outcome) -> Outcome:
        label = {PRUNE: "delete", SKIPPED: "not tried"}.get(outcome.action, outcome.action)
        line = f"{label:<9} {outcome.uid}: {outcome.detail}".rstrip(": ")
        (self.err if outcome.action in (FAILED, SKIPPED) else self.out)(line)
        if outcome.action == DRIFTED or (self.options.dry_run and outcome.action in (CREATE, UPDATE)):
            for line in outcome.diff:
                self.out(f"    {line}")
        return outcome


def explain_rejection(exc: GrafanaRejected, item: Wanted) -> str:
    """Grafana's 4xx answer to a save, said so that the reader knows what to do."""
    if exc.status == 412 and exc.reason == "version-mismatch":
        return ("412 version-mismatch: the dashboard was changed by someone else between our read and our save; "
                "run the deploy again")
    if exc.status == 412 and exc.reason == "name-exists":
        return (f"412 name-exists: another dashboard titled \"{item.title}\" already exists in folder "
                f"{item.folder_uid} (or one with this uid); rename or delete it, or use --force to overwrite")
    if exc.status == 412 and exc.reason == "plugin-dashboard":
        return f"412 plugin-dashboard: uid {item.uid} belongs to a Grafana plugin; give the catalog dashboard another uid"
    if exc.status == 404:
        return f"404 not found: {exc} (does folder {item.folder_uid} exist in this org?)"
    return f"refused: {exc}"
