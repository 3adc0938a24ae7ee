"""One report, two formats: a list of blocks written as Markdown and as self-contained HTML."""

from __future__ import annotations

from html import escape

# ("h1" | "h2" | "h3", text) | ("p", text) | ("ul", [text]) | ("table", head, rows)
Block = tuple


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(blocks: list[Block]) -> str:
    out = []
    for kind, *rest in blocks:
        if kind in ("h1", "h2", "h3"):
            out.append("#" * int(kind[1]) + " " + rest[0])
        elif kind == "p":
            out.append(rest[0])
        elif kind == "ul":
            out.append("\n".join(f"- {item}" for item in rest[0]))
        elif kind == "table":
            head, rows = rest
            lines = ["| " + " | ".join(map(_md_cell, head)) + " |", "|" + "---|" * len(head)]
            lines += ["| " + " | ".join(map(_md_cell, r)) + " |" for r in rows]
            out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


STYLE = ("body{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}"
         "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;"
         "padding:4px 8px;text-align:left;vertical-align:top}figure{margin:1em 0}")


def html(blocks: list[Block], title: str, figures: dict[str, list[str]] | None = None) -> str:
    """``figures``: SVG charts placed after the heading of the same text."""
    body = []
    for kind, *rest in blocks:
        if kind in ("h1", "h2", "h3"):
            body.append(f"<{kind}>{escape(rest[0])}</{kind}>")
            body += [f"<figure>{svg}</figure>" for svg in (figures or {}).get(rest[0], [])]
        elif kind == "p":
            body.append(f"<p>{escape(rest[0])}</p>")
        elif kind == "ul":
            body.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in rest[0]) + "</ul>")
        elif kind == "table":
            head, rows = rest
            body.append("<table><tr>" + "".join(f"<th>{escape(str(h))}</th>" for h in head)
                        + "</tr>" + "".join("<tr>" + "".join(
                            f"<td>{escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
                        + "</table>")
    return ("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
            + "\n".join(body) + "</body></html>\n")


def text_of(blocks: list[Block]) -> list[str]:
    """Every piece of text in the blocks, in order: what both formats must show."""
    out = []
    for kind, *rest in blocks:
        if kind == "table":
            out += [str(c) for c in rest[0]] + [str(c) for r in rest[1] for c in r]
        elif kind == "ul":
            out += list(rest[0])
        else:
            out.append(rest[0])
    return out
