"""Browser helpers for the dashboard: navigation, waiting for runs, the Accounts grid.

The grid is a glide-data-grid canvas. What the tests rely on:

* Streamlit renders an off-screen accessibility table next to the canvas whose cells have
  test ids ``glide-cell-<col>-<row>``; only the columns in view are rendered, so the tests
  read the left-hand columns (✓, ID, Name) there.
  The header cells (``role=columnheader``, ``aria-colindex``) give a column's index by its
  title, so the tests never hard-code the column order.
* The first two columns (✓ and ID) have ``width="small"`` = 75 px each in ``pages/accounts.py``,
  so their x positions are known; rows are 35 px high and the header is one row. Every other
  column is reached with the keyboard from the ID cell (ArrowRight until the selected cell
  sits under the wanted header), which does not depend on auto-sized widths.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

SHOTS = Path("/tmp/allhub-shots")
ROW_H = 35          # glide row height and header height (px)
SMALL_W = 75        # column_config width="small"



# ---- runs and navigation ---------------------------------------------------------------------
def wait_for_run(page: Page) -> None:
    """Wait until the app is connected and no script run is in progress."""
    page.locator("[data-testid='stApp'][data-test-connection-state='CONNECTED']").wait_for(state="attached")
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(state="attached")
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0)


def open_page(page: Page, base_url: str, path: str = "accounts") -> None:
    """Load ``base_url/path`` and wait for the page's first run to finish.

    Each page is at its file name (``accounts``, ``add_account``, ``duplicates``, ``tags``,
    ``settings``, ``checkin``, ``balance_history``, ``usage``); Overview, the default page, is
    also at ``base_url/`` (``path=""``). Without a path this opens Accounts.
    """
    page.goto(f"{base_url}/{path}")
    page.get_by_test_id("stMain").wait_for()
    wait_for_run(page)
    expect(page.get_by_test_id("stHeading").first).to_be_visible()


def nav(page: Page, title: str) -> None:
    """Follow a sidebar navigation link, as a user would, and wait for the page to run."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_test_id("stHeading").first).to_have_text(title)
    wait_for_run(page)


def shot(page: Page, name: str) -> Path:
    """A full-page screenshot in /tmp/allhub-shots/ (for people to look at; never committed)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def main_text(page: Page) -> str:
    return page.get_by_test_id("stMain").inner_text()


# ---- the Accounts grid ---------------------------------------------------------------------
def grid(page: Page, index: int = 0) -> Locator:
    return page.get_by_test_id("stDataFrame").nth(index)


def _scroll_grid_home(g: Locator) -> None:
    g.locator(".dvn-scroller").first.evaluate("el => { el.scrollLeft = 0; el.scrollTop = 0; }")


def click_cell_at(page: Page, x: float, row: int, g: Locator | None = None) -> None:
    """Click the grid at ``x`` px from its left edge, in data row ``row`` (0-based)."""
    g = g or grid(page)
    g.click(position={"x": x, "y": ROW_H * (row + 1) + ROW_H // 2})


def column_index(page: Page, header: str) -> int:
    """0-based index of the column whose header is ``header`` (it must be in view)."""
    th = page.locator("[role='columnheader']").filter(has_text=re.compile(rf"^{re.escape(header)}$"))
    expect(th, f"grid column {header!r} in view").to_have_count(1)
    return int(th.get_attribute("aria-colindex")) - 1


def _header_at(page: Page, colindex: int) -> str | None:
    th = page.locator(f"[role='columnheader'][aria-colindex='{colindex}']")
    return th.text_content() if th.count() == 1 else None


def select_cell(page: Page, header: str, row: int) -> None:
    """Select the cell of column ``header`` in ``row`` with the keyboard, scrolling it into view.

    Clicks the read-only ID cell (second column, 75 px), then walks right with ArrowRight,
    waiting for the accessibility table to follow each step, until the selected cell sits
    under ``header``; no column width is assumed beyond the first two.
    """
    g = grid(page)
    _scroll_grid_home(g)
    click_cell_at(page, SMALL_W + SMALL_W / 2, row, g)
    colindex = 2  # aria-colindex is 1-based
    for _ in range(40):
        expect(page.get_by_test_id(f"glide-cell-{colindex - 1}-{row}")).to_have_attribute("aria-selected", "true")
        if _header_at(page, colindex) == header:
            return
        page.keyboard.press("ArrowRight")
        colindex += 1
    raise AssertionError(f"no grid column called {header!r}")


def cell_text(page: Page, header: str, row: int) -> str:
    """Text of one cell, from the grid's accessibility table."""
    return page.get_by_test_id(f"glide-cell-{column_index(page, header)}-{row}").text_content() or ""


def grid_column(page: Page, header: str) -> list[str]:
    """All the texts of one column, top to bottom (the column must be in view; see select_cell)."""
    col = column_index(page, header)
    expect(page.get_by_test_id(f"glide-cell-{col}-0")).to_be_attached()
    cells = page.locator(f"[data-testid^='glide-cell-{col}-']")
    # one snapshot of every cell: read one by one, a rerun that redraws the grid meanwhile left a
    # locator waiting for a cell that was gone (30 s, then a failure)
    pairs = cells.evaluate_all("els => els.map(e => [e.getAttribute('data-testid'), e.textContent || ''])")
    texts = {int(testid.rsplit("-", 1)[1]): text for testid, text in pairs}
    return [texts[r] for r in sorted(texts)]


def grid_row_of(page: Page, name: str) -> int:
    """Row position of the account called ``name`` (Name column)."""
    names = grid_column(page, "Name")
    assert name in names, f"{name!r} is not in the grid: {names}"
    return names.index(name)


def tick_row(page: Page, row: int) -> None:
    """Toggle the ✓ (select) checkbox of ``row`` (the first column, 75 px wide)."""
    g = grid(page)
    _scroll_grid_home(g)
    click_cell_at(page, SMALL_W / 2, row, g)
    wait_for_run(page)


def edit_cell(page: Page, header: str, row: int, value: str) -> None:
    """Open the editor of a text/number cell, type ``value`` and commit it with Enter.

    The overlay's input is filled rather than typing on the canvas (steadier).
    """
    select_cell(page, header, row)
    page.keyboard.press("Enter")
    editor = page.get_by_test_id("portal").locator(".gdg-clip-region").locator("input, textarea").first
    editor.wait_for()
    editor.fill(value)
    editor.press("Enter")
    # The commit reaches the server after glide's own debounce; callers then wait on what
    # the user sees (e.g. the Save button's count).
    page.wait_for_timeout(200)
    wait_for_run(page)


def button(page: Page, name: str | re.Pattern) -> Locator:
    """A button by its whole label (a string matches exactly, so "Continue" is not "… and continue")."""
    return page.get_by_role("button", name=name, exact=isinstance(name, str))


def textbox(page: Page, label: str) -> Locator:
    """A text input by its exact label (help icons carry the label too, so no get_by_label)."""
    return page.get_by_role("textbox", name=label, exact=True)


def add_new_option(page: Page, label: str, value: str) -> None:
    """Type a new option into a multiselect (accept_new_options) and close its dropdown."""
    box = page.get_by_test_id("stMultiSelect").filter(has=page.get_by_text(label, exact=True))
    field = box.locator("input")
    field.click()
    field.fill(value)
    page.get_by_role("option").filter(has_text=value).first.click()
    field.press("Escape")  # an open dropdown hides the page from role queries and eats clicks
    expect(page.get_by_role("listbox")).to_have_count(0)
    expect(box).to_contain_text(value)
