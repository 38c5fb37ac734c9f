"""Helpers of the history page tests: write balance snapshots, read the plotly charts a page drew."""

from __future__ import annotations

import base64
import json
from datetime import date, timedelta
from typing import Any

import numpy as np
from streamlit.testing.v1 import AppTest

from allhub_core.accounts import QUOTA_PER_USD
from allhub_core.history import record_snapshots
from allhub_core.store import Store


def day(back: int) -> date:
    """``back`` days before today, today taken when asked (a run may cross midnight)."""
    return date.today() - timedelta(days=back)


def snapshots(store: Store, by_day: dict[date, dict[int, float]], consumption: dict[date, dict[int, float]] | None = None
              ) -> None:
    """Write ``{day: {account_id: balance_usd}}`` as that day's snapshots (as a refresh would)."""
    consumption = consumption or {}
    with store.write() as con:
        for d, balances in sorted(by_day.items()):
            rows = [{"id": aid, "quota": round(usd * QUOTA_PER_USD),
                     "today_consumption": round(consumption.get(d, {}).get(aid, 0.0) * QUOTA_PER_USD),
                     "today_income": 0} for aid, usd in balances.items()]
            record_snapshots(con, rows, day=d, source="demo")


def _values(v: Any) -> list:
    """A plotly JSON array: a list, or (plotly 6+) a typed array ``{"dtype", "bdata"}``."""
    if isinstance(v, dict) and "bdata" in v:
        arr = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        if "shape" in v:
            arr = arr.reshape([int(n) for n in str(v["shape"]).split(",")])
        return arr.tolist()
    return list(v or [])


def charts(at: AppTest) -> dict[str, dict[str, Any]]:
    """Every plotly chart of the run by its key: ``{"traces": [{name, type, x, y, z}], "title": str}``."""
    out = {}
    for el in at.get("plotly_chart"):
        spec = json.loads(el.proto.spec)
        key = el.proto.id.split("-", 2)[2]
        traces = [{"name": t.get("name"), "type": t.get("type"), "x": _values(t.get("x")), "y": _values(t.get("y")),
                   "z": [_values(r) for r in t["z"]] if isinstance(t.get("z"), list) else _values(t.get("z")),
                   "values": _values(t.get("values")), "labels": _values(t.get("labels"))}
                  for t in spec["data"]]
        title = spec["layout"].get("title", {}).get("text", "")
        out[key] = {"traces": traces, "title": title, "annotations": spec["layout"].get("annotations", [])}
    return out


def finite(values: list) -> list:
    return [v for v in values if v is not None and v == v]
