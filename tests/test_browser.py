"""End to end in a real browser: JupyterLab (started as `./course open` starts it) driven by Playwright and chromium.

For every lesson: the source notebook runs with no error output and every explorer redraws when each of its sliders
is dragged with the mouse and moved with the arrow keys; the release notebook, run cell by cell, shows the one-line
"Implement ..." message in each explorer instead of a traceback. nbgrader's Validate button reports failing tests
(on the first lesson: the button is the same for every lesson). Screenshots of the widgets go to .artifacts/browser/.
The notebooks are opened from a temporary copy of the course (JupyterLab saves notebooks), never from the repository.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import nbformat
import pytest

from autograder.course import lessons

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / ".artifacts" / "browser"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
TIMEOUT_MS = 120_000
IN_CI = bool(os.environ.get("CI"))

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - the pinned environment has it
    sync_playwright = None

if sync_playwright is not None:
    expect.set_options(timeout=TIMEOUT_MS)

if not IN_CI and (sync_playwright is None or not os.access(CHROMIUM, os.X_OK)):
    # Outside CI a machine without chromium skips; in CI (`CI` set) a missing browser is a failure, never a skip.
    pytest.skip("needs chromium (apt-get install chromium; ./course test installs it) and playwright",
                allow_module_level=True)

# JupyterLab's user settings for the test server: no news or update toasts, every cell in the DOM, no autosave, and
# the notebook's kernel started without asking.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none",
                                                                   "autoStartDefaultKernel": True},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Lab:
    """`./course open` on a free loopback port with a generated token, in an isolated Jupyter config."""

    def __init__(self, home: Path, course_root: Path = ROOT):
        self.port = _free_port()
        self.token = uuid.uuid4().hex
        self.url = f"http://127.0.0.1:{self.port}"
        settings = home / "lab-settings"
        for name, values in LAB_SETTINGS.items():
            (settings / name).parent.mkdir(parents=True, exist_ok=True)
            (settings / name).write_text(json.dumps(values))
        env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTERLAB_SETTINGS_DIR": str(settings),
               "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
               "PYTHONWARNINGS": "ignore"}
        self.log = open(home / "jupyterlab.log", "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [str(course_root / "course"), "open", "--no-browser", "--ServerApp.open_browser=False", "--ServerApp.ip=127.0.0.1",
             f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0", f"--ServerApp.token={self.token}"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.log_path = home / "jupyterlab.log"
        deadline = time.monotonic() + 120
        while True:
            try:
                self.get("/api/status")
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("JupyterLab did not start:\n" + self.log_path.read_text()[-3000:]) from None
                time.sleep(0.3)

    def request(self, path: str, method: str = "GET", body: dict | None = None):
        request = urllib.request.Request(self.url + path, method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Authorization": f"token {self.token}",
                                                  "Content-Type": "application/json"})
        return urllib.request.urlopen(request, timeout=60)

    def start_kernel_for(self, path: str) -> None:
        """A session with a Python 3 kernel for the notebook at `path`, made before the page opens it: JupyterLab
        then joins it instead of choosing a kernel itself (under load it sometimes asked, and "No Kernel" won)."""
        body = {"path": path, "name": Path(path).name, "type": "notebook", "kernel": {"name": "python3"}}
        self.request("/api/sessions", method="POST", body=body).close()

    def get(self, path: str):
        with self.request(path) as response:
            return response.geturl(), response.read()

    def shutdown_kernels(self) -> None:
        for kernel in json.loads(self.get("/api/kernels")[1]):
            self.request(f"/api/kernels/{kernel['id']}", method="DELETE").close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the group this test started (JupyterLab and its kernels)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


@pytest.fixture(scope="module")
def course_copy(tmp_path_factory) -> Path:
    """The notebooks in a scratch course root: JupyterLab may save into it."""
    root = tmp_path_factory.mktemp("course")
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    for folder in ("source", "release", "notebooks", "utils", "tools"):
        shutil.copytree(ROOT / folder, root / folder, ignore=ignore)
    # `./course open` serves the learner's workspace, where source/ is out of reach: these tests also run the solved
    # lessons in the browser, so they put a copy of source/ into the workspace (open adds release/ and notebooks/).
    shutil.copytree(ROOT / "source", root / "workspace" / "source", ignore=ignore)
    # The course script itself, with the files its environment check reads and the environment it finds current:
    # `./course open` in the copy serves the copy (its root is the folder it lives in).
    for name in ("course", "nbgrader_config.py", "requirements.txt", "pyproject.toml"):
        shutil.copy2(ROOT / name, root / name)
    (root / ".venv").symlink_to(ROOT / ".venv", target_is_directory=True)
    return root


@pytest.fixture(scope="module")
def lab(course_copy, tmp_path_factory):
    server = Lab(tmp_path_factory.mktemp("jupyter"), course_copy)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, lab, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    failed_before = request.session.testsfailed
    yield page
    if request.session.testsfailed > failed_before:  # keep what the browser showed when the test failed
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"FAILED_{request.node.name}.png"))
    context.close()
    lab.shutdown_kernels()


def explorer_cells(lesson: str, kind: str) -> list[int]:
    """Positions of a lesson's explorer cells (grade_id explorer_...): JupyterLab draws one .jp-Cell per cell, in order."""
    notebook = nbformat.read(ROOT / kind / lesson / f"{lesson}.ipynb", as_version=4)
    return [index for index, cell in enumerate(notebook.cells)
            if str(cell.metadata.get("nbgrader", {}).get("grade_id", "")).startswith("explorer_")]


def open_notebook(page, lab: Lab, path: str):
    lab.start_kernel_for(path)
    # A fresh workspace per page, so nothing opened by an earlier test comes back.
    page.goto(f"{lab.url}/lab/workspaces/{uuid.uuid4().hex[:8]}/tree/{path}?token={lab.token}")
    notebook = page.locator(".jp-NotebookPanel:visible .jp-Notebook")
    expect(notebook.locator(".jp-Cell").first).to_be_visible()
    idle = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status='idle']"
    page.wait_for_function(f"""() => document.querySelector("{idle}") ||
                                     document.querySelector('.jp-Dialog .jp-Dialog-header')""", timeout=TIMEOUT_MS)
    ensure_python_kernel(page)
    expect(page.locator(idle)).to_have_count(1)
    return notebook


def ensure_python_kernel(page) -> bool:
    """Give the notebook its Python 3 kernel if JupyterLab asks which kernel to use, or shows "No Kernel"; True if
    it had to. On a busy machine the Select Kernel dialog has come up (before JupyterLab knew the kernel specs, and
    even after the kernel was idle) with "No Kernel" preselected: accepting it, or an Enter or Escape pressed for
    the notebook, shut the kernel down. So the choice is made explicitly, by its label."""
    dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
    name = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-NotebookPanel-toolbar .jp-KernelName")
    if not dialog.count():
        if "No Kernel" not in name.inner_text():
            return False
        try:  # the label also says "No Kernel" for a moment while the page joins the kernel's session
            expect(name).not_to_have_text(re.compile("No Kernel"), timeout=5_000)
            return False
        except AssertionError:
            pass
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Kernel$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Change Kernel")).click()
    python = dialog.locator("select option", has_text="Python 3")
    expect(python.first).to_be_attached()  # the kernel specs have arrived
    dialog.locator("select").select_option(value=python.first.get_attribute("value"))
    dialog.locator(".jp-mod-accept").click()
    expect(name).not_to_have_text(re.compile("No Kernel"))
    return True


NOTEBOOK_STATE_JS = """() => {
    const panel = '.jp-NotebookPanel:not(.lm-mod-hidden)';
    const prompts = [...document.querySelectorAll(panel + ' .jp-CodeCell .jp-InputPrompt')].map(p => p.textContent);
    const dialog = document.querySelector('.jp-Dialog');
    const indicator = document.querySelector(panel + ' .jp-Notebook-ExecutionIndicator');
    return {
        prompts: prompts.map(p => /\\[\\d+\\]/.test(p) ? 'done' : (p.includes('*') ? 'running' : 'not run')),
        stderr: !!document.querySelector(panel + ' [data-mime-type="application/vnd.jupyter.stderr"]'),
        dialog: dialog ? dialog.innerText.slice(0, 500) : null,
        kernel: indicator ? indicator.getAttribute('data-status') : null,
    };
}"""


def wait_all_code_cells_ran(page, lab: Lab, stall_seconds: float = 150) -> None:
    """Until every code cell has an execution count, or an error shows (Run All stops there).

    Progress, not a total time, is what is waited for: on a loaded machine a lesson may take minutes, but it must
    not stand still for `stall_seconds`. A run the kernel dropped (the kernel idle, cells left without a count: seen
    under load, the execute requests lost between JupyterLab and a busy kernel) is resumed once from the first cell
    that has no count, and a lost kernel is chosen again and the run started over (see ensure_python_kernel); any
    other dialog, or a stall, fails with what the page and the server showed."""
    done_before, changed_at, idle_since, resumed = -1, time.monotonic(), None, False
    while True:
        state = page.evaluate(NOTEBOOK_STATE_JS)
        prompts = state["prompts"]
        done = prompts.count("done")
        if state["stderr"] or (prompts and done == len(prompts)):
            return
        now = time.monotonic()
        if done != done_before:
            done_before, changed_at = done, now
        lost_kernel = state["kernel"] in (None, "unknown") or (state["dialog"] or "").startswith("Select Kernel")
        if state["dialog"] and not lost_kernel:
            pytest.fail(f"a dialog stopped the run: {state['dialog']!r}\n{run_report(state, lab)}")
        idle_since = (idle_since or now) if state["kernel"] == "idle" or lost_kernel else None
        if idle_since is not None and now - idle_since > 10:
            if resumed:
                pytest.fail(f"the kernel stays idle with cells not run, twice\n{run_report(state, lab)}")
            first = next(index for index, prompt in enumerate(prompts) if prompt != "done")
            print(f"resuming a dropped run at code cell {first}: {run_report(state, lab)}")
            if ensure_python_kernel(page):  # a new kernel: run from the top again
                first = 0
            run_from(page, first)
            resumed, idle_since, changed_at = True, None, now
        if now - changed_at > stall_seconds:
            pytest.fail(f"no cell finished for {stall_seconds:.0f} s\n{run_report(state, lab)}")
        time.sleep(1)


def run_report(state: dict, lab: Lab) -> str:
    """Which code cells ran, the kernel's state in the page and on the server, and the end of the server's log."""
    kernels = json.loads(lab.get("/api/kernels")[1])
    summary = " ".join({"done": "+", "running": "*", "not run": "."}[p] for p in state["prompts"])
    return (f"code cells (+ done, * running or queued, . not run): {summary}\n"
            f"kernel in the page: {state['kernel']}; on the server: "
            f"{[(k['execution_state'], k.get('connections')) for k in kernels]}\n"
            f"server log:\n{lab.log_path.read_text()[-3000:]}")


def run_from(page, code_cell: int) -> None:
    """Select the code cell at `code_cell` and choose Run → Run Selected Cell and All Below."""
    cell = page.locator(".jp-NotebookPanel:visible .jp-CodeCell").nth(code_cell)
    cell.locator(".jp-InputPrompt").first.click()
    page.keyboard.press("Escape")
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run Selected Cell and All Below$")).click()


def run_all(page, lab: Lab) -> None:
    """Run → Run All Cells, from the menu bar. A Run All sent while a fresh kernel is still connecting is sometimes
    lost (the cells keep `[ ]`, the kernel idles): then it is chosen again."""
    first_prompt = page.locator(".jp-NotebookPanel:visible .jp-CodeCell .jp-InputPrompt").first
    for attempt in range(3):
        ensure_python_kernel(page)
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        try:
            expect(first_prompt).to_have_text(re.compile(r"\[(\*|\d+)\]"), timeout=15_000)
            break
        except AssertionError:
            if attempt == 2:
                raise
    wait_all_code_cells_ran(page, lab)


def run_cell_by_cell(page, notebook, attempts: int = 2) -> None:
    """Shift+Enter through the notebook as a learner does, waiting for each cell: a failing cell does not stop the rest
    (Run All stops at the first error, and a release notebook's exercises raise NotImplementedError). If the kernel
    is lost on the way (see ensure_python_kernel), it starts again from the top with the new one."""
    cells = notebook.locator(".jp-Cell")
    count = cells.count()
    cells.first.locator(".jp-InputPrompt").first.click()
    page.keyboard.press("Escape")
    for index in range(count):
        cell = cells.nth(index)
        if attempts > 1 and ensure_python_kernel(page):
            return run_cell_by_cell(page, notebook, attempts - 1)
        page.keyboard.press("Control+Enter" if index == count - 1 else "Shift+Enter")
        if "jp-CodeCell" in (cell.get_attribute("class") or ""):
            prompt = cell.locator(".jp-InputPrompt")
            try:
                expect(prompt).to_have_text(re.compile(r"\[(\*|\d+)\]"), timeout=15_000)
            except AssertionError:  # sent while the fresh kernel was still connecting, and lost: run it again
                prompt.click()
                page.keyboard.press("Escape")
                page.keyboard.press("Control+Enter")
                if index < count - 1:
                    page.keyboard.press("ArrowDown")
            expect(prompt).to_have_text(re.compile(r"\[\d+\]"))
        if index < count - 1:
            expect(cells.nth(index + 1)).to_have_class(re.compile(r"jp-mod-selected"))
        page.keyboard.press("Escape")


def explorer_output(notebook, cell_index: int):
    """The output area of the cell at `cell_index`, once it holds an explorer (controls + the Image it draws into)."""
    output = notebook.locator(".jp-Cell").nth(cell_index).locator(".jp-OutputArea-output:has(img.widget-image)")
    expect(output).to_have_count(1)
    return output


def move_every_slider(page, widget) -> None:
    """Drag each slider with the mouse, then move it with the arrow keys, and click an unselected button of each
    row of toggle buttons (an explorer of recorded runs has no slider); the picture must change every time."""
    image = widget.locator("img.widget-image")
    handles = widget.locator(".widget-slider .noUi-handle")
    toggles = widget.locator(".widget-toggle-buttons")
    assert handles.count() + toggles.count() > 0, "the explorer has no slider and no toggle buttons"
    for index in range(handles.count()):
        handle = handles.nth(index)
        expect_redraw_after(page, image, lambda handle=handle: drag(page, handle))
        expect_redraw_after(page, image, lambda handle=handle: press_arrows(page, handle))
    for index in range(toggles.count()):
        button = toggles.nth(index).locator("button:not(.mod-active)").first
        expect_redraw_after(page, image, lambda button=button: button.click())


def expect_redraw_after(page, image, action) -> None:
    expect(image).to_have_attribute("src", re.compile("."))
    before = image.get_attribute("src")
    action()
    expect(image).not_to_have_attribute("src", before)


def roomier_side(handle) -> int:
    """+1 if the handle has more room to its right on its track than to its left, else -1, so that a handle at an
    end still moves (from the geometry: noUiSlider rounds aria-valuenow to the readout's precision)."""
    track = handle.locator("xpath=ancestor::*[contains(concat(' ', @class, ' '), ' noUi-target ')][1]").bounding_box()
    box = handle.bounding_box()
    centre = box["x"] + box["width"] / 2
    return 1 if track["x"] + track["width"] - centre >= centre - track["x"] else -1


def drag(page, handle) -> None:
    start = handle.bounding_box()["x"]
    for _ in range(2):  # a frame arriving late can shift the layout under the pointer: then aim again, once
        handle.scroll_into_view_if_needed()
        box = handle.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        direction = roomier_side(handle)
        page.mouse.move(x, y)
        page.mouse.down()
        for step in range(1, 9):
            page.mouse.move(x + direction * 8 * step, y)
        page.mouse.up()
        if abs(handle.bounding_box()["x"] - start) > 1:
            return
    raise AssertionError("dragging the slider handle did not move it")


def press_arrows(page, handle) -> None:
    key = "ArrowRight" if roomier_side(handle) > 0 else "ArrowLeft"
    handle.focus()
    for _ in range(3):
        page.keyboard.press(key)


def screenshot(widget, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    widget.scroll_into_view_if_needed()
    widget.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def error_outputs(notebook):
    return notebook.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')


@pytest.mark.parametrize("lesson", lessons())
def test_source_lesson_runs_without_errors_and_its_sliders_redraw(page, lab, lesson):
    notebook = open_notebook(page, lab, f"source/{lesson}/{lesson}.ipynb")
    run_all(page, lab)
    errors = error_outputs(notebook)
    assert errors.count() == 0, "error output: " + "\n---\n".join(errors.all_inner_texts())[:3000]
    for number, cell_index in enumerate(explorer_cells(lesson, "source"), start=1):
        widget = explorer_output(notebook, cell_index)
        move_every_slider(page, widget)
        screenshot(widget, f"{lesson}_source_explorer{number}")
    assert errors.count() == 0, "error output after moving sliders: " + "\n".join(errors.all_inner_texts())[:3000]


@pytest.mark.parametrize("lesson", lessons())
def test_release_lesson_shows_implement_messages(page, lab, lesson):
    notebook = open_notebook(page, lab, f"release/{lesson}/{lesson}.ipynb")
    run_cell_by_cell(page, notebook)
    for number, cell_index in enumerate(explorer_cells(lesson, "release"), start=1):
        widget = explorer_output(notebook, cell_index)
        expect(widget).to_contain_text(re.compile(r"Implement \w+ in the exercise above"))
        screenshot(widget, f"{lesson}_release_explorer{number}")
    explorer_cells_shown = notebook.locator(".jp-CodeCell:has(img.widget-image)")
    assert explorer_cells_shown.locator('[data-mime-type="application/vnd.jupyter.stderr"]').count() == 0
    # The exercises' test cells do fail: the learner has not written anything yet.
    assert error_outputs(notebook).count() > 0


def test_architecture_explorer_page_runs_and_redraws(page, lab):
    """notebooks/architecture_explorer.ipynb: no error output; the slider, the checkbox and the dropdown redraw."""
    notebook = open_notebook(page, lab, "notebooks/architecture_explorer.ipynb")
    run_all(page, lab)
    assert error_outputs(notebook).count() == 0, "\n".join(error_outputs(notebook).all_inner_texts())[:3000]
    widget = notebook.locator(".jp-OutputArea-output:has(img.widget-image)").first
    move_every_slider(page, widget)
    image = widget.locator("img.widget-image")
    expect_redraw_after(page, image, lambda: widget.locator(".widget-checkbox input").first.click())
    dropdown = widget.locator(".widget-dropdown select").first
    choices = dropdown.locator("option").all_inner_texts()
    expect_redraw_after(page, image, lambda: dropdown.select_option(label=choices[-1]))
    screenshot(widget, "architecture_explorer")
    assert error_outputs(notebook).count() == 0


def test_validate_button_reports_failing_tests(page, lab):
    """nbgrader's Validate button (it runs the whole notebook on the server) on an untouched release notebook."""
    lesson = lessons()[0]
    open_notebook(page, lab, f"release/{lesson}/{lesson}.ipynb")
    page.locator(".jp-NotebookPanel:visible .validate-button").click()
    message = page.locator(".jp-Dialog #validation-message")
    expect(message).to_have_class(re.compile("validation-failed"), timeout=TIMEOUT_MS)
    expect(message).to_contain_text("The following cell failed:")
    page.locator(".jp-Dialog .jp-mod-accept").click()


def test_course_open_serves_the_start_page(tmp_path):
    """`./course open` (the same command line, on a free port, no browser) lands on notebooks/00_start_here.ipynb."""
    server = Lab(tmp_path)
    try:
        url, body = server.get("/")
    finally:
        server.stop()
    assert urllib.parse.urlparse(url).path == "/lab/tree/notebooks/00_start_here.ipynb"
    assert b"<html" in body.lower() or b"jupyter" in body.lower()
    assert (ROOT / "notebooks" / "00_start_here.ipynb").is_file()
