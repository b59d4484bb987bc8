"""axe-core's accessibility audit of a page open in the browser tests.

axe-core is read from NEWSDESK_AXE_JS, else from node_modules/axe-core/ at the project's root
(`npm install --no-package-lock` installs it from package.json)."""

from __future__ import annotations

import os
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
