"""The run explorer: one self-contained HTML file per run (or pair of runs).

``write_explorer(dir_a, out, dir_b=None)`` renders ``templates/report.html.j2``
(Jinja2) with the run's data (``explorer_data``) inline: CSS, JavaScript and
data sit in the one file, which loads nothing from anywhere, so it opens from
disk or as a mail attachment. The summary and its charts (inline SVG) are
rendered here; the problem table, its filters and the problem view are drawn
by the page's script from the embedded JSON. With a second run, the problems
that flipped between the runs are listed with McNemar's exact p
(``linc.evals.compare``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from linc.cache import compact_json
from linc.evals.compare import paired_comparison
from linc.evals.explorer_data import Strings, load_run

log = logging.getLogger(__name__)

TEMPLATE = "report.html.j2"
WIDTH, HEIGHT, PAD = 420, 240, 40


def chart(
    series: Sequence[tuple[str, Sequence[tuple[float, float]]]],
    *,
    x_label: str,
    y_label: str,
    x_range: tuple[float, float],
    y_range: tuple[float, float] = (0.0, 1.0),
    x_ticks: Sequence[float] = (),
) -> dict[str, Any]:
    """An SVG line chart's geometry: one polyline per series, axes and ticks."""
    (x0, x1), (y0, y1) = x_range, y_range

    def px(x: float) -> float:
        return round(PAD + (x - x0) / ((x1 - x0) or 1) * (WIDTH - 2 * PAD), 1)

    def py(y: float) -> float:
        return round(HEIGHT - PAD - (y - y0) / ((y1 - y0) or 1) * (HEIGHT - 2 * PAD), 1)

    lines = []
    for name, points in series:
        coords = [(px(x), py(y)) for x, y in points]
        lines.append(
            {
                "name": name,
                "points": " ".join(f"{x},{y}" for x, y in coords),
                "dots": [
                    {"x": x, "y": y, "title": f"{a:g}: {b:.3f}"}
                    for (x, y), (a, b) in zip(coords, points)
                ],
            }
        )
    y_ticks = [y0 + (y1 - y0) * i / 4 for i in range(5)]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "pad": PAD,
        "lines": lines,
        "x_label": x_label,
        "y_label": y_label,
        "x_ticks": [{"at": px(x), "label": f"{x:g}"} for x in x_ticks],
        "y_ticks": [{"at": py(y), "label": f"{y:.3g}"} for y in y_ticks],
    }


def summary_charts(summary: dict[str, Any]) -> dict[str, Any]:
    """Accuracy against samples voted, and risk–coverage, as chart geometry."""
    curve = [(p["samples"], p["accuracy"]) for p in summary["by_samples"]]
    k = max((x for x, _ in curve), default=1)
    risk = [(0.0, 1.0)] if not summary["risk_coverage"] else []
    risk += [(p["coverage"], p["accuracy"]) for p in summary["risk_coverage"]]
    low = min([y for _, y in curve + risk] + [1.0])
    y_range = (max(0.0, round(low - 0.05, 1)), 1.0)
    return {
        "samples": chart(
            [("accuracy", curve)], x_label="samples voted", y_label="accuracy",
            x_range=(1, max(k, 2)), y_range=y_range, x_ticks=range(1, k + 1),
        ),
        "coverage": chart(
            [("accuracy", risk)], x_label="coverage (share answered, by margin)",
            y_label="accuracy", x_range=(0, 1), y_range=y_range,
            x_ticks=(0, 0.2, 0.4, 0.6, 0.8, 1.0),
        ),
    }  # fmt: skip


def comparison(dir_a: Path, dir_b: Path, problems_b: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The paired statistics (``eval compare``) and each problem's run-B outcome, by id."""
    stats = paired_comparison(dir_a, dir_b)
    outcome = {p["id"]: {"p": p["p"], "ok": p["ok"], "m": p["m"], "g": p["g"]} for p in problems_b}
    return {"stats": stats.model_dump(mode="json"), "b": outcome}


def explorer_data(dir_a: Path | str, dir_b: Path | str | None = None) -> dict[str, Any]:
    """Everything the page shows, as one JSON-able dict."""
    strings = Strings()
    summary_a, problems = load_run(Path(dir_a), strings)
    data: dict[str, Any] = {"run": summary_a, "problems": problems, "compare": None}
    if dir_b is not None:
        summary_b, problems_b = load_run(Path(dir_b), Strings())
        data["run_b"] = summary_b
        data["compare"] = comparison(Path(dir_a), Path(dir_b), problems_b)
    data["strings"] = strings.table()
    return data


def page_json(data: dict[str, Any]) -> str:
    """The page's data as JSON that is safe inside ``<script>`` (no ``</script>``, ``<!--``)."""
    text = compact_json(data)  # \u escapes when model text holds a lone surrogate
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def render_explorer(dir_a: Path | str, dir_b: Path | str | None = None) -> str:
    """The HTML page of the run in ``dir_a`` (compared with ``dir_b`` when given)."""
    import jinja2
    from markupsafe import Markup

    data = explorer_data(dir_a, dir_b)
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("linc.evals", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    charts = summary_charts(data["run"])
    assets = resources.files("linc.evals") / "templates"
    return env.get_template(TEMPLATE).render(
        css=Markup((assets / "report.css").read_text(encoding="utf-8")),
        script=Markup((assets / "report.js").read_text(encoding="utf-8")),
        run=data["run"],
        run_b=data.get("run_b"),
        compare=data["compare"],
        charts=charts,
        data_json=Markup(page_json(data)),
    )


def write_explorer(dir_a: Path | str, out: Path | str, dir_b: Path | str | None = None) -> Path:
    """Write the page to ``out`` (atomically) and return its path."""
    out = Path(out)
    html = render_explorer(dir_a, dir_b)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, out)
    log.info("wrote %s (%d bytes)", out, out.stat().st_size)
    return out
