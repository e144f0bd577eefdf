"""The app in a real browser: Debian's chromium, driven by Playwright, against ``conflict-sim-app``.

Each test opens a fresh page (a fresh session with its own model) and saves screenshots.
Expected numbers come from the same model run in this process, so the page must show exactly
what ``sim.ConflictModel`` computes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import sim
from sim.scenario import ScenarioError

TIMEOUT_MS = 90_000


class Page:
    """A page of the app with what went wrong on the way recorded."""

    def __init__(self, ctx, url: str) -> None:
        self.page = ctx.new_page()
        self.failed: list[str] = []
        self.page.on("requestfailed", lambda r: self.failed.append(f"failed {r.url}"))
        self.page.on(
            "response", lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None
        )
        self.page.set_default_timeout(TIMEOUT_MS)
        self.page.goto(url)

    def text(self, selector: str) -> str:
        return self.page.locator(selector).first.inner_text().strip()

    def wait_text(self, selector: str, pattern: str) -> str:
        """Wait until the element's text matches ``pattern`` (a regex); return the text."""
        loc = self.page.locator(selector).first
        from playwright.sync_api import expect

        expect(loc).to_have_text(re.compile(pattern), timeout=TIMEOUT_MS)
        return loc.inner_text().strip()

    def no_traceback(self) -> None:
        body = self.page.locator("body").inner_text()
        assert "Traceback" not in body, body[:2000]
        assert 'File "' not in body, body[:2000]

    def close(self) -> None:
        assert not self.failed, self.failed  # offline: every asset is served locally
        self.page.close()


def _map_drawn(p: Page, selector: str = ".sandbox-map img") -> None:
    img = p.page.locator(selector).first
    img.wait_for(state="visible")
    size = img.evaluate("e => [e.naturalWidth, e.naturalHeight]")
    assert size[0] > 300 and size[1] > 300, size


def _summary(seed: int = 0, **params) -> str:
    from sim.viz.panels import run_summary

    return run_summary(sim.ConflictModel("afghanistan_2021", seed=seed, **params).run())


#: Seeds searched for one whose posterior draw and chance let the reserve matter: on most draws
#: the first capital is lost before any reserve could arrive (the centre collapses, or a capital is
#: handed over by a deal), and 20,000 commandos change nothing there (with the posterior of
#: 3 December 2026 refitted after the LWJ recoding: 18 of seeds 0-23; on seed 4 the first fall
#: moves from 20 July to 11 August). The seed is found, not fixed, so a recalibration does not
#: break the test; the direction over 100 paired replicates is tested in tests/test_plausibility.py.
LEVER_SEEDS = range(24)


def test_page_renders_the_map_and_step_advances_the_day(server, browser_context, shots):
    p = Page(browser_context, server.url)
    _map_drawn(p)
    assert p.wait_text(".day-info", r"Day 0 of 150") == "Day 0 of 150: 01 May 2021"
    assert "34 of 34 capitals held" in p.text(".run-summary")
    shots(p.page, "01-start")
    p.page.get_by_role("button", name="Step").click()
    p.wait_text(".day-info", r"^Day 1 of 150: 02 May 2021$")
    p.page.get_by_role("button", name="Step").click()
    p.wait_text(".day-info", r"^Day 2 of 150: 03 May 2021$")
    p.wait_text(".run-summary", r"to 03 May 2021")
    _map_drawn(p)
    shots(p.page, "02-after-two-steps")
    p.no_traceback()
    p.close()


def _lever_seed() -> tuple[int, str, str]:
    """The first seed of :data:`LEVER_SEEDS` on which 20,000 commandos delay the first fall, with
    the two run summaries."""
    from datetime import datetime

    first = re.compile(r"first capital fell (\d\d \w\w\w 2021)")
    for seed in LEVER_SEEDS:
        base, more = _summary(seed), _summary(seed, reserve_commandos=20_000)
        b, m = first.search(base), first.search(more)
        if b and m and datetime.strptime(m.group(1), "%d %b %Y") > datetime.strptime(b.group(1), "%d %b %Y"):
            return seed, base, more
    raise AssertionError(f"20,000 commandos delay the first fall on none of seeds {LEVER_SEEDS}")


def test_more_commandos_delay_the_first_fall(server, browser_context, shots):
    seed, base, more = _lever_seed()
    first = re.compile(r"first capital fell (\d\d \w\w\w 2021)")
    assert first.search(base) and first.search(more)
    assert sim.load_scenario("afghanistan_2021").config.reserve.commandos < 20_000
    p = Page(browser_context, server.url)
    _map_drawn(p)
    box = p.page.locator(".lever-seed input").first
    box.fill(str(seed))
    box.press("Enter")
    p.wait_text(".run-summary", rf"^Seed {seed},")
    _map_drawn(p)
    p.page.locator(".run-to-end").click()
    assert p.wait_text(".run-summary", re.escape(base)) == base
    shots(p.page, "03-baseline-to-the-end")
    slider = p.page.locator(".lever-reserve-commandos [role=slider]").first
    slider.focus()
    slider.press("End")  # the slider's maximum: 20,000 commandos
    p.wait_text(".lever-reserve-commandos .lever-label", r"20,000 people")
    # the model is rebuilt with the new reserve and run to the same day: the page shows its summary
    assert p.wait_text(".run-summary", re.escape(more)) == more
    assert "reserve.commandos=20000" in p.text(".command-line")
    d_base = first.search(base).group(1)
    d_more = first.search(more).group(1)
    from datetime import datetime

    assert datetime.strptime(d_more, "%d %b %Y") > datetime.strptime(d_base, "%d %b %Y")
    shots(p.page, "04-twenty-thousand-commandos")
    p.no_traceback()
    p.close()


def test_a_bad_value_shows_the_cli_message(server, browser_context, shots):
    with pytest.raises(ScenarioError) as cli:
        sim.load_scenario("afghanistan_2021", ["model.withdrawal.end=2021-02-30"])
    p = Page(browser_context, server.url)
    _map_drawn(p)
    box = p.page.locator(".lever-model-withdrawal-end input").first
    box.fill("2021-02-30")
    box.press("Enter")
    assert p.wait_text(".lever-error", re.escape(str(cli.value))) == str(cli.value)
    p.page.locator(".day-info").wait_for()  # the run is still there
    shots(p.page, "05-bad-value")
    p.no_traceback()
    with pytest.raises(ScenarioError) as cli2:
        sim.load_scenario("afghanistan_2021", ["reserve.commandos=-1"])
    box.fill("2021-12-31")
    box.press("Enter")
    extra = p.page.locator(".lever-extra input").first
    extra.fill("reserve.commandos=-1")
    extra.press("Enter")
    assert p.wait_text(".lever-error", re.escape(str(cli2.value))) == str(cli2.value)
    p.no_traceback()
    p.close()


def _wait_images(p: Page, n: int, timeout_ms: float = 15_000) -> None:
    """Wait until the ensemble panel shows exactly n images. The status text and the images are
    separate widgets, so the text can reach the page before a new image is mounted (seen once in
    CI: 2 images right after the text of the second run)."""
    p.page.wait_for_function(
        "n => document.querySelectorAll('.ensemble-panel img').length === n", arg=n, timeout=timeout_ms
    )


def test_the_ensemble_panel_draws(server, browser_context, shots):
    p = Page(browser_context, server.url)
    _map_drawn(p)
    reps = p.page.locator(".ensemble-panel [role=slider]").first
    reps.focus()
    reps.press("Home")  # 20 replicates: quick in CI
    p.wait_text(".replicates-label", r"^Replicates: 20$")  # the server has the value
    p.page.locator(".run-ensemble").click()
    p.wait_text(".ensemble-done", r"^Ran in \d+\.\d s\. The settings equal the baseline\.$")
    _wait_images(p, 2)  # fan and fall dates; nothing to pair
    slider = p.page.locator(
        ".lever-airlift-per-day [role=slider], .lever-reserve-airlift-per-day [role=slider]"
    )
    slider.first.focus()
    slider.first.press("Home")  # no airlift: the reserve cannot reach anyone
    p.wait_text(".command-line", r"reserve.airlift_per_day=0")
    p.wait_text(".ensemble-done", r"The settings have changed since")
    p.page.locator(".run-ensemble").click()
    p.wait_text(".ensemble-done", r"^Ran in \d+\.\d s\.$")
    _wait_images(p, 3)  # fan chart, paired difference, fall dates
    imgs = p.page.locator(".ensemble-panel img")
    for i in range(3):
        assert imgs.nth(i).evaluate("e => e.naturalWidth") > 300
    shots(p.page, "06-ensemble")
    p.no_traceback()
    p.close()


def test_mesa_solaraviz_page(server, browser_context, shots):
    p = Page(browser_context, server.url + "/solaraviz")
    _map_drawn(p, ".sandbox-map img")
    p.page.get_by_role("button", name="Step").click()
    p.page.get_by_text("Step: 1").or_(p.page.get_by_text("Time: 1.0")).first.wait_for()
    shots(p.page, "07-mesa-solaraviz")
    p.no_traceback()
    p.close()


def test_the_app_binds_loopback_and_writes_nothing_to_the_source_tree(server):
    """The listening socket is 127.0.0.1 only; after every test above, the source tree is as it
    was when the server started."""
    port_hex = f"{server.port:04X}"
    rows = [
        line.split()
        for f in ("/proc/net/tcp", "/proc/net/tcp6")
        if Path(f).exists()
        for line in Path(f).read_text().splitlines()[1:]
    ]
    listening = [r[1] for r in rows if r[1].endswith(":" + port_hex) and r[3] == "0A"]
    assert listening, "no listening socket found for the app's port"
    assert all(addr.split(":")[0] == "0100007F" for addr in listening), listening
    assert not server.changed_files(), server.changed_files()
