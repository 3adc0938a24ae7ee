"""Small inline SVG charts for the report: grouped bars, no scripts, no external files."""

from __future__ import annotations

from html import escape

COLOURS = ("#7f8c9a", "#2e86de")  # baseline grey, candidate blue
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 260, 48, 64, 24


def _ticks(top: float) -> list[float]:
    step = max(top / 4, 1e-9)
    return [step * i for i in range(5)]


def grouped_bars(title: str, labels: list[str], series: dict[str, list[float]],
                 percent: bool = False) -> str:
    """One chart: a group of bars per label, one bar per series, with a legend."""
    top = max([v for vals in series.values() for v in vals] + [1e-9])
    plot_w, plot_h = WIDTH - LEFT - 10, HEIGHT - BOTTOM - TOP
    group = plot_w / max(len(labels), 1)
    bar = group * 0.8 / max(len(series), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
             'font-family="sans-serif" font-size="11">',
             f'<text x="{LEFT}" y="14" font-size="13" font-weight="bold">{escape(title)}</text>']
    for tick in _ticks(top):
        y = TOP + plot_h - tick / top * plot_h
        text = f"{tick:.0%}" if percent else f"{tick:,.0f}"
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - 10}" y1="{y:.1f}" y2="{y:.1f}" '
                     'stroke="#e3e6ea"/>'
                     f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">{text}</text>')
    for s, (name, values) in enumerate(series.items()):
        colour = COLOURS[s % len(COLOURS)]
        for i, value in enumerate(values):
            h = value / top * plot_h
            x = LEFT + i * group + group * 0.1 + s * bar
            tip = f"{name} · {labels[i]}: {value:.1%}" if percent else f"{name} · {labels[i]}: " \
                f"{value:,.0f}"
            parts.append(f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar:.1f}" '
                         f'height="{h:.1f}" fill="{colour}"><title>{escape(tip)}</title></rect>')
        parts.append(f'<rect x="{LEFT + s * 110}" y="{HEIGHT - 16}" width="10" height="10" '
                     f'fill="{colour}"/><text x="{LEFT + s * 110 + 14}" y="{HEIGHT - 7}">'
                     f'{escape(name)}</text>')
    for i, label in enumerate(labels):
        x = LEFT + i * group + group / 2
        parts.append(f'<text x="{x:.1f}" y="{TOP + plot_h + 14}" text-anchor="middle">'
                     f'{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
