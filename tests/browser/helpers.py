"""What the browser tests measure: axe-core's violations and a first visit's weight."""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path

AXE_SOURCE = Path(__file__).parent / "vendor" / "axe.min.js"

# --- Accessibility: axe-core ------------------------------------------------------------------

SERIOUS = ("serious", "critical")


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page; its violations of impact serious or critical."""
    return [v for v in axe_run(page) if v["impact"] in SERIOUS]


def axe_run(page) -> list[dict]:
    """Run axe-core on the page; all its violations (id, impact, help, targets).

    The site's CSP refuses inline scripts, and Playwright's add_script_tag(path=...) injects an
    inline one; evaluating the source through the DevTools protocol is not subject to the CSP.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(' ')).slice(0, 5),
            }));
        }"""
    )
    return result


def describe_violations(violations_by_page: dict[str, list[dict]]) -> str:
    lines = []
    for where, violations in violations_by_page.items():
        for v in violations:
            lines.append(f"{where}: {v['id']} ({v['impact']}) {v['help']} -> {v['targets']}")
    return "\n".join(lines)


# --- Page weight ------------------------------------------------------------------------------


@dataclass
class Weight:
    """What a first visit transfers. The site itself does not compress HTML (no GZipMiddleware:
    in production a proxy may), and WhiteNoise only compresses collected static files; so a body
    sent without Content-Encoding is counted at its gzip size (level 6), which is what a
    compressing server would send. Headers are counted as sent."""

    responses: list[tuple[str, int, int]] = field(default_factory=list)  # url, raw, compressed

    @property
    def compressed(self) -> int:
        return sum(compressed for _, _, compressed in self.responses)

    @property
    def raw(self) -> int:
        return sum(raw for _, raw, _ in self.responses)

    def describe(self) -> str:
        return "\n".join(f"{c:>8} {r:>8} {u}" for u, r, c in self.responses)


def weigh(page, url: str, *, exclude=()) -> Weight:
    """Load `url` in a fresh page of an empty-cache context and weigh every response."""
    weight = Weight()
    seen = []
    page.on("response", lambda response: seen.append(response))
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    for response in seen:
        if any(part in response.url for part in exclude):
            continue
        try:
            body = response.body()
        except Exception:  # a redirect has no body
            body = b""
        headers = response.request.sizes()["responseHeadersSize"]
        encoded = response.headers.get("content-encoding")
        if encoded:
            compressed = response.request.sizes()["responseBodySize"]
        else:
            compressed = len(gzip.compress(body, compresslevel=6)) if body else 0
        weight.responses.append((response.url, len(body) + headers, compressed + headers))
    return weight
