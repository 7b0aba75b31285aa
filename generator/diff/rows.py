"""The rows of a dashboard as the diff sees them: Grafana's own copies of a repeated row or panel
left out, so that an API export taken with three values selected reads like the saved dashboard."""
from __future__ import annotations


def _list(value) -> list:
    return value if isinstance(value, list) else []


def repeat_copy(item: dict) -> bool:
    """A copy Grafana made of a repeated panel or row when it saved the dashboard (API exports of
    Grafana < 8, and of any version for rows): `repeatPanelId` names the panel or row it copies
    (`repeatIteration` the pass that made it), a schema < 16 row copy has `repeatRowId`. Null
    values (grafonnet writes `repeatIteration: null, repeatRowId: null` on every row) mark none."""
    return item.get("repeatPanelId") is not None or item.get("repeatRowId") is not None


def dashboard_rows(data: dict) -> list[tuple[str, dict, bool]]:
    """(name, row, collapsed) for every row that is not a repeat copy: current `row` panels, then
    legacy `rows`; a row without a title is named by its position (`[n]`)."""
    out = []
    for index, panel in enumerate(_list(data.get("panels"))):
        if isinstance(panel, dict) and panel.get("type") == "row" and not repeat_copy(panel):
            out.append((str(panel.get("title") or f"[{index}]"), panel, panel.get("collapsed") is True))
    for index, row in enumerate(_list(data.get("rows"))):
        if isinstance(row, dict) and not repeat_copy(row):
            out.append((str(row.get("title") or f"[{index}]"), row, row.get("collapse") is True))
    return out
