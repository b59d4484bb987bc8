"""Accessibility checks for the browser tests: axe-core's audit of a page, WCAG's contrast.

axe-core is read from NEWSDESK_AXE_JS, else from node_modules/axe-core/ at the project's root
(`npm install --no-package-lock` installs it from package.json)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def axe_source() -> str | None:
    candidates = [os.environ.get("NEWSDESK_AXE_JS", ""),
                  str(ROOT / "node_modules" / "axe-core" / "axe.min.js")]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate):
            return Path(candidate).read_text(encoding="utf-8")
    return None


def serious_findings(page: Any, source: str) -> list[str]:
    """axe's serious and critical findings on the page, one line each."""
    # Through the DevTools protocol, as a browser extension would: the page's own
    # Content-Security-Policy allows no inline script, and that is not to be weakened here.
    page.evaluate(f"() => {{ {source}\n }}")
    found = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in found["violations"] if v["impact"] in ("serious", "critical")]


def contrast(first: str, second: str) -> float:
    """WCAG's contrast ratio of two computed colours, 'rgb(r, g, b)'."""
    def luminance(colour: str) -> float:
        channels = [int(c) / 255 for c in re.findall(r"\d+", colour)[:3]]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def focus_rings(page: Any) -> list[str]:
    """The colours that mark the focused element: its outline and its shadow, where drawn."""
    style = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [s.outlineStyle === 'none' ? '' : s.outlineColor,
                s.boxShadow === 'none' ? '' : s.boxShadow]; }""")
    return [colour for colour in style if colour]
