"""Browser tests of Baton's web UI (issue 8 "Tests"), in headless Chromium driven by Selenium.

One hub is started from the real `baton` executable on a loopback port with a fresh database.
Accounts are made with `baton users add`; traffic is real signed messages sent with
`baton submit` and the demo agency keys. Then people work it in the browser:

- a school's designated safeguarding lead opens an Operation Encompass notification and
  acknowledges it;
- a MASH social worker works a police referral to an outcome, and the police see it under Sent;
- a lead of another agency cannot open either item by its URL (the "Page not found" page, 404);
- a tampered CSRF token changes nothing; 5 wrong passwords lock an account; an idle session ends
  (a second hub started with --session-idle-timeout 3);
- an auditor's loop-health page shows the figures the seeded traffic and the steps above imply.

Every page visited is checked for form fields without labels, heading problems, images without
text alternatives, a missing <html lang> and an empty <title>; a screenshot of each is saved to
$BATON_ARTEFACTS/screenshots (default .build/artefacts). The tests run in file order and share one
hub: later tests (the auditor's figures) depend on what earlier ones did, and count only what the
earlier tests confirmed they did (the `ledger`).

Everything here is fictional: the children, adults and officers are invented, NHS numbers are
from the 999 range (never issued) with a valid Modulus-11 check digit, and schools are the
sample registry's.

Run with Tests/Browser/run (which also prints a summary), or `python3 -m pytest Tests/Browser`.
Environment: BATON_BIN (default .build/debug/baton), BATON_ARTEFACTS, CHROMIUM, CHROMEDRIVER.
"""

from __future__ import annotations

import base64
import datetime as dt
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

REPO = Path(__file__).resolve().parents[2]
BATON = Path(os.environ.get("BATON_BIN", REPO / ".build/debug/baton"))
ARTEFACTS = Path(os.environ.get("BATON_ARTEFACTS", REPO / ".build/artefacts"))
SCREENSHOTS = ARTEFACTS / "screenshots"
WAIT = 15  # seconds to wait for a page or an element

# Accounts: username -> (display name, agency, role, password). Fictional people.
ACCOUNTS = {
    "dsl.ashgrove": ("Harriet Oakes", "school-ashgrove-primary", "lead", "lantern-meadow-41-copper"),
    "dsl.academy": ("Idris Fenwold", "school-northmoor-academy", "lead", "harbour-violet-93-linen"),
    "ppu.police": ("Mara Quill", "police-northmoor", "lead", "granite-sparrow-27-pillow"),
    "sw.mash": ("Nadia Brackenridge", "northmoor-mash", "lead", "orchard-comet-58-velvet"),
    "tm.mash": ("Owen Sallow", "northmoor-mash", "mash-manager", "thimble-river-64-saffron"),
    "audit.mash": ("Greta Moorcroft", "northmoor-mash", "auditor", "quartz-lilac-19-meadow"),
    # Only for the lockout test, so that locking it cannot disturb the other tests.
    "dsl.lockout": ("Felix Amberley", "school-ashgrove-primary", "lead", "pepper-canyon-72-willow"),
}

# What each page visited should be checked as (the list); the last test checks all were.
PAGES_TO_CHECK = {"sign-in", "error", "inbox", "item", "sent", "sent-message", "child", "discussions", "reviews", "loop-health"}


# ---------------------------------------------------------------------------------------------
# Fictional people

def nhs_number(first_nine: str) -> str:
    """A 999-range NHS number with its Modulus-11 check digit, written 3-3-4."""
    assert len(first_nine) == 9 and first_nine.startswith("999") and first_nine.isdigit()
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1)))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    if check == 10:
        raise ValueError(f"{first_nine}: no valid check digit; choose other digits")
    digits = first_nine + str(check)
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


# Child A: a pupil at Ashgrove Primary (URN 990101), at home during a domestic-abuse incident.
CHILD_A = {
    "givenName": "Poppy", "familyName": "Larkfield", "dateOfBirth": "2017-06-14", "sex": "female",
    "nhsNumber": nhs_number("999765432"),
    "address": {"lines": ["12 Thistle Row", "Moorside"], "postcode": "NM3 2QT"},
    "school": {"urn": "990101"},
}
# Child B: a pupil at Northmoor Academy (URN 990102), referred by the police and then by the school.
CHILD_B = {
    "givenName": "Tobias", "familyName": "Wrenfield", "dateOfBirth": "2012-09-03", "sex": "male",
    "nhsNumber": nhs_number("999246801"),
    "address": {"lines": ["7 Cobble Lane", "Eastmoor"], "postcode": "NM6 4LP"},
    "school": {"urn": "990102"},
}
MASH_DECISION = "s17-assessment"  # outcomes.yaml: signOff never, tellReferrer code
MASH_DECISION_RATIONALE = "Needs assessment as a child in need: repeated neglect reported by two agencies."
MASH_OUTCOME = "s17-assessment"
MASH_OUTCOME_RATIONALE = "Allocated to the assessment team; a social worker visits the family this week."


def label(code: str) -> str:
    """What the UI shows for a code (WebText.label): dashes to spaces, first letter upper case."""
    words = code.replace("-", " ")
    return words[:1].upper() + words[1:]


def now_rfc3339(offset_seconds: int = 0) -> str:
    moment = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=offset_seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------------------------
# The hub

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_baton(*arguments: str, input_text: str | None = None, cwd: Path | None = None) -> str:
    result = subprocess.run([str(BATON), *arguments], input=input_text, capture_output=True, text=True, cwd=cwd or REPO, timeout=120)
    if result.returncode != 0:
        raise AssertionError(f"baton {' '.join(arguments[:2])} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout


class Hub:
    """A `baton serve` on 127.0.0.1 and a free port, with its own database."""

    def __init__(self, name: str, workdir: Path, extra: tuple[str, ...] = ()):
        self.name = name
        self.workdir = workdir
        self.database = workdir / f"{name}.sqlite"
        self.log_path = workdir / f"{name}.log"
        self.extra = extra
        self.process: subprocess.Popen | None = None
        self.port = 0

    @property
    def base(self) -> str:
        # The browser uses "localhost": the UI's cookies are `__Host-` and Secure, and Chromium
        # treats http://localhost as a secure context, so it keeps them without TLS.
        return f"http://localhost:{self.port}"

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add_user(self, username: str, name: str, agency: str, role: str, password: str) -> None:
        run_baton("users", "add", username, "--name", name, "--agency", agency, "--role", role, "--password-stdin",
                  "--database", str(self.database), "--agencies", str(REPO / "agencies"), "--policies", str(REPO / "policies"),
                  "--cost", "10", input_text=password + "\n")

    def start(self) -> None:
        for _attempt in range(3):
            self.port = free_port()
            log = open(self.log_path, "ab")
            self.process = subprocess.Popen(
                [str(BATON), "serve", "--host", "127.0.0.1", "--port", str(self.port), "--database", str(self.database),
                 "--agencies", str(REPO / "agencies"), "--policies", str(REPO / "policies"), *self.extra],
                stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir)
            log.close()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    break  # exited: perhaps the port was taken after all; try another
                try:
                    status, _ = http_request(self.api, "GET", "/healthz")
                    if status == 200:
                        return
                except OSError:
                    pass
                time.sleep(0.1)
            self.stop()
        raise AssertionError(f"hub {self.name} did not become healthy; its log:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def http_request(base: str, method: str, path: str, headers: dict | None = None, body: str | None = None) -> tuple[int, str]:
    """One HTTP request without following redirects: (status, body)."""
    parsed = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection("127.0.0.1", parsed.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", errors="replace")
    finally:
        connection.close()


# ---------------------------------------------------------------------------------------------
# Fixtures

@pytest.fixture(scope="session")
def workdir():
    path = Path(tempfile.mkdtemp(prefix="baton-browser-"))
    yield path
    if ARTEFACTS.exists():
        for log in path.glob("*.log"):
            shutil.copy(log, ARTEFACTS / f"hub-{log.name}")
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def keys(workdir):
    """The demo agencies' private keys, copied with mode 0600 (`baton submit` refuses others)."""
    folder = workdir / "keys"
    folder.mkdir()
    for key in (REPO / "demo/keys").glob("*.jwk"):
        target = folder / key.name
        shutil.copy(key, target)
        target.chmod(0o600)
    return folder


@pytest.fixture(scope="session")
def hub(workdir):
    assert BATON.exists(), f"{BATON} is missing: run `swift build` first"
    hub = Hub("hub", workdir)
    for username, (name, agency, role, password) in ACCOUNTS.items():
        hub.add_user(username, name, agency, role, password)
    hub.start()
    yield hub
    hub.stop()


class Submitter:
    def __init__(self, hub: Hub, keys: Path, workdir: Path):
        self.hub, self.keys, self.workdir = hub, keys, workdir

    def __call__(self, agency: str, payload: dict) -> dict:
        path = self.workdir / f"payload-{payload['messageId']}.json"
        path.write_text(json.dumps(payload, indent=2))
        output = run_baton("submit", "--hub", self.hub.api, "--key", str(self.keys / f"{agency}.jwk"), str(path))
        receipt, _ = json.JSONDecoder().raw_decode(output[output.index("{"):])
        assert receipt["messageId"] == payload["messageId"], output
        return receipt


def envelope(kind: str, agency: str, person: dict) -> dict:
    return {"messageId": str(uuid.uuid4()), "sentAt": now_rfc3339(), "kind": kind, "from": {"agency": agency, "person": person}}


@pytest.fixture(scope="session")
def seeded(hub, keys, workdir):
    """Three messages, sent as the agencies' systems would: their receipts and items."""
    submit = Submitter(hub, keys, workdir)
    police = {"name": "PC Ellery Vance", "role": "Response officer"}

    # 1. Operation Encompass: police domestic-abuse notification, child present (routing.yaml
    #    rule operation-encompass): the child's school (from the URN) and the MASH.
    notification = envelope("notification", "police-northmoor", police)
    notification.update({
        "subjects": [{"ref": "c1", **CHILD_A}],
        "persons": [{"ref": "p1", "givenName": "Dale", "familyName": "Larkfield", "sex": "male"}],
        "relationships": [{"from": "p1", "to": "c1", "role": "father"}],
        "notification": {"type": "domestic-abuse", "occurredAt": now_rfc3339(-3 * 3600), "childPresent": True,
                         "summary": "Police attended an argument between adults at the home address. The child was in the house."},
        "sections": [{"label": "police.incident", "content": {"occurrenceRef": "NM-26990001", "dashRisk": "medium"}}],
        "consent": {"status": "not-sought", "basis": "legal-duty",
                    "reasonNotSought": "Operation Encompass notification to the child's school."},
        "doNotInform": ["p1"],
    })
    oe = submit("police-northmoor", notification)

    # 2. A police referral about child B to the MASH (rule referral-to-mash), medium risk, so no
    #    strategy discussion is raised.
    referral = envelope("referral", "police-northmoor", {"name": "DC Mara Quill", "role": "Public protection unit"})
    referral.update({
        "subjects": [{"ref": "c1", **CHILD_B}],
        "sections": [{"label": "police.incident", "content": {"occurrenceRef": "NM-26990002"}}],
        "consent": {"status": "given", "basis": "consent"},
        "concern": {"categories": ["neglect"], "childSeen": True, "risk": {"level": "medium"},
                    "summary": "Officers found the child alone at home late at night with little food in the house."},
    })
    police_referral = submit("police-northmoor", referral)

    # 3. The academy refers the same child (same NHS number, name, date of birth): a re-referral.
    school_referral_payload = envelope("referral", "school-northmoor-academy", {"name": "Mr Idris Fenwold", "role": "Designated safeguarding lead"})
    school_referral_payload.update({
        "subjects": [{"ref": "c1", **CHILD_B}],
        "consent": {"status": "given", "basis": "consent"},
        "concern": {"categories": ["neglect"], "childSeen": True, "risk": {"level": "low"},
                    "summary": "The child often arrives hungry and in the same unwashed uniform."},
    })
    school_referral = submit("school-northmoor-academy", school_referral_payload)

    def only(receipt: dict, recipient: str, purpose: str) -> str:
        found = [item["itemId"] for item in receipt["items"] if item["recipient"] == recipient and item["purpose"] == purpose]
        assert len(found) == 1, f"expected one {purpose} item for {recipient}; the receipt's items: {receipt['items']}"
        return found[0]

    world = {
        "receipts": [oe, police_referral, school_referral],
        "referrals": [police_referral, school_referral],
        "oe_message": oe["messageId"],
        "oe_school_item": only(oe, "school-ashgrove-primary", "operation-encompass"),
        "oe_mash_item": only(oe, "northmoor-mash", "record-and-consider"),
        "police_referral_message": police_referral["messageId"],
        "police_referral_item": only(police_referral, "northmoor-mash", "decide-response"),
        "school_referral_item": only(school_referral, "northmoor-mash", "decide-response"),
    }
    assert len(oe["items"]) == 2 and len(police_referral["items"]) == 1 and len(school_referral["items"]) == 1, world["receipts"]
    return world


# What the tests confirmed they did (in the UI), which the auditor's figures must then show.
ledger = {"acknowledged": set(), "decided": set(), "outcome": set(), "referrer_told": set()}
# Accessibility problems found on every page visited: (page, url, problem).
accessibility_problems: list[tuple[str, str, str]] = []
pages_checked: dict[str, list[str]] = {}
_screenshot_counter = [0]


def make_browser() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    binary = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if binary:
        options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1024",
                     "--lang=en-GB", "--no-first-run", "--disable-extensions", "--password-store=basic"):
        options.add_argument(argument)
    driver_path = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
    # With an explicit chromedriver, Selenium Manager does not try to download one.
    service = Service(executable_path=driver_path) if driver_path else Service()
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_window_size(1280, 1024)
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture
def browsers(request):
    """Opens browsers (each its own profile, so its own cookies); quits them after the test,
    first saving a screenshot of each when the test failed."""
    opened: list[webdriver.Chrome] = []

    def open_browser() -> webdriver.Chrome:
        driver = make_browser()
        opened.append(driver)
        return driver

    yield open_browser
    failed = getattr(request.node, "report_call", None) is not None and request.node.report_call.failed
    for index, driver in enumerate(opened):
        try:
            if failed:
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                driver.save_screenshot(str(SCREENSHOTS / f"FAILED-{request.node.name}-{index + 1}.png"))
        finally:
            driver.quit()


@pytest.fixture
def browser(browsers):
    return browsers()


# ---------------------------------------------------------------------------------------------
# Page helpers

ACCESSIBILITY_SCRIPT = r"""
const problems = [];
const shown = el => el.getClientRects().length > 0;
const text = el => (el ? (el.textContent || '').replace(/\s+/g, ' ').trim() : '');
const named = (el) => {
  if ((el.getAttribute('aria-label') || '').trim()) return true;
  const ids = (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean);
  return ids.length > 0 && ids.every(id => text(document.getElementById(id)));
};
const describe = el => {
  let s = '<' + el.tagName.toLowerCase();
  for (const a of ['id', 'name', 'type', 'role', 'class', 'href', 'src']) {
    if (el.getAttribute(a)) s += ' ' + a + '="' + el.getAttribute(a).slice(0, 60) + '"';
  }
  return s + '>';
};
if (!(document.documentElement.getAttribute('lang') || '').trim()) problems.push('<html> has no lang attribute');
if (!document.title.trim()) problems.push('the page has no <title> text');

const ids = {};
document.querySelectorAll('[id]').forEach(el => { ids[el.id] = (ids[el.id] || 0) + 1; });
for (const [id, count] of Object.entries(ids)) if (count > 1) problems.push('id "' + id + '" is used ' + count + ' times (labels and links to it are ambiguous)');

document.querySelectorAll('input, select, textarea').forEach(el => {
  const type = (el.getAttribute('type') || '').toLowerCase();
  if (['hidden', 'submit', 'button', 'reset', 'image'].includes(type) || !shown(el)) return;
  if (named(el)) return;
  if (el.id) {
    const labels = [...document.querySelectorAll('label')].filter(l => l.htmlFor === el.id);
    if (labels.some(l => text(l))) return;
  }
  const wrapping = el.closest('label');
  if (wrapping && text(wrapping)) return;
  problems.push('form field without a label: ' + describe(el));
});
document.querySelectorAll('label[for]').forEach(l => {
  if (!document.getElementById(l.htmlFor)) problems.push('label "' + text(l) + '" is for a missing id "' + l.htmlFor + '"');
});
document.querySelectorAll('button, input[type=submit], input[type=button]').forEach(el => {
  if (!shown(el)) return;
  if (text(el) || (el.value || '').trim() || named(el)) return;
  problems.push('button without a name: ' + describe(el));
});
document.querySelectorAll('a[href^="#"]').forEach(el => {
  const target = decodeURIComponent(el.getAttribute('href').slice(1));
  if (target && !document.getElementById(target)) problems.push('in-page link "' + text(el) + '" points at a missing id "' + target + '"');
});
document.querySelectorAll('a[href]').forEach(el => {
  if (!shown(el)) return;
  if (text(el) || named(el) || el.querySelector('img[alt]:not([alt=""])')) return;
  problems.push('link without text: ' + describe(el));
});

const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].filter(shown);
const h1s = headings.filter(h => h.tagName === 'H1');
if (h1s.length !== 1) problems.push(h1s.length + ' <h1> elements (expected exactly one)' + h1s.map(h => ': "' + text(h) + '"').join(''));
// A page may open with an h2 before its h1 (a GOV.UK error summary or success banner), so the
// walk starts as if after an h1; after that no heading may skip a level (h1 then h3, say).
let previous = 1;
for (const h of headings) {
  const level = Number(h.tagName[1]);
  if (!text(h)) problems.push('empty heading ' + describe(h));
  if (level > previous + 1) problems.push('heading level skipped: <h' + level + '> "' + text(h) + '" follows <h' + previous + '>');
  previous = level;
}

document.querySelectorAll('img').forEach(img => {
  if (!img.hasAttribute('alt')) problems.push('image without alt: ' + describe(img));
});
document.querySelectorAll('input[type=image]').forEach(el => {
  if (!(el.getAttribute('alt') || '').trim()) problems.push('image button without alt: ' + describe(el));
});
document.querySelectorAll('svg').forEach(svg => {
  if (svg.closest('[aria-hidden="true"]')) return;  // decorative, hidden from assistive technology
  if (svg.parentElement && svg.parentElement.closest('svg')) return;  // nested inside another svg
  if (svg.getAttribute('role') !== 'img') { problems.push('svg without role="img": ' + describe(svg)); return; }
  const title = [...svg.children].find(c => c.tagName.toLowerCase() === 'title');
  if (!(title && text(title)) && !named(svg)) problems.push('svg without a <title> or aria-label: ' + describe(svg));
});
document.querySelectorAll('[role=img]:not(svg)').forEach(el => {
  if (!named(el)) problems.push('role="img" without aria-label: ' + describe(el));
});
return problems;
"""


def check_page(driver, kind: str, name: str | None = None) -> list[str]:
    """Checks the page now shown for accessibility problems (recorded; the last test fails on
    any) and saves a full-page screenshot. Returns the problems."""
    problems = driver.execute_script(ACCESSIBILITY_SCRIPT)
    url = driver.current_url
    pages_checked.setdefault(kind, []).append(url)
    for problem in problems:
        accessibility_problems.append((name or kind, url, problem))
    screenshot(driver, name or kind)
    return problems


def screenshot(driver, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    _screenshot_counter[0] += 1
    path = SCREENSHOTS / f"{_screenshot_counter[0]:02d}-{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"
    try:
        height = driver.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": 1280, "height": max(1024, min(int(height), 16000)), "scale": 1}})
        path.write_bytes(base64.b64decode(shot["data"]))
    except Exception:  # noqa: BLE001 - a plain viewport screenshot is still an artefact
        driver.save_screenshot(str(path))


def wait_for(driver, condition, message: str, timeout: float = WAIT):
    try:
        return WebDriverWait(driver, timeout).until(condition)
    except TimeoutException:
        raise AssertionError(f"{message} (page {driver.current_url}: {h1_text(driver)!r})") from None


def path_of(driver) -> str:
    return urllib.parse.urlsplit(driver.current_url).path


def h1_text(driver) -> str:
    try:
        return driver.find_element(By.TAG_NAME, "h1").text.strip()
    except NoSuchElementException:
        return "(no h1)"


def text_of(driver, selector: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, selector).text.strip()


def submit_and_wait(driver, button_id: str) -> None:
    """Clicks a form's submit button and waits for the next page."""
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.ID, button_id).click()
    wait_for(driver, lambda d: _stale(old), f"no new page after pressing #{button_id}")
    wait_for(driver, lambda d: d.execute_script("return document.readyState") == "complete", "page did not finish loading")


def _stale(element) -> bool:
    try:
        element.tag_name
        return False
    except Exception:  # noqa: BLE001 - StaleElementReferenceException: the page changed
        return True


def fill(driver, field_id: str, value: str) -> None:
    element = driver.find_element(By.ID, field_id)
    element.clear()
    element.send_keys(value)


def sign_in(driver, hub: Hub, username: str, password: str | None = None, start: str = "/ui/sign-in") -> None:
    """Signs in through the form and waits to leave the sign-in page."""
    if start:
        driver.get(hub.base + start)
    wait_for(driver, lambda d: d.find_elements(By.ID, "username"), "no sign-in form")
    fill(driver, "username", username)
    fill(driver, "password", password if password is not None else ACCOUNTS[username][3])
    submit_and_wait(driver, "sign-in")


def sign_in_ok(driver, hub: Hub, username: str, start: str = "/ui/sign-in") -> None:
    sign_in(driver, hub, username, start=start)
    assert path_of(driver) != "/ui/sign-in", f"{username} could not sign in: {error_summary(driver)}"


def error_summary(driver) -> str:
    found = driver.find_elements(By.CSS_SELECTOR, ".error-summary")
    return found[0].text.strip() if found else "(no error summary)"


def session_cookie(driver) -> str:
    cookie = driver.get_cookie("__Host-baton-session")
    assert cookie, f"no session cookie; cookies: {[c['name'] for c in driver.get_cookies()]}"
    return f"__Host-baton-session={cookie['value']}"


def inbox_rows(driver) -> list[str]:
    return [row.get_attribute("data-item") for row in driver.find_elements(By.CSS_SELECTOR, "#inbox tr[data-item]")]


def status_tag(driver) -> str:
    return text_of(driver, "#item-status")


class Checks:
    """Collects failed expectations so a test reports all of them, not only the first."""

    def __init__(self):
        self.failures: list[str] = []

    def equal(self, actual, expected, what: str) -> None:
        if actual != expected:
            self.failures.append(f"{what}: expected {expected!r}, got {actual!r}")

    def true(self, condition, what: str) -> None:
        if not condition:
            self.failures.append(what)

    def done(self) -> None:
        assert not self.failures, "\n  - " + "\n  - ".join(self.failures)


# ---------------------------------------------------------------------------------------------
# The accessibility check itself finds what it should (so a clean report means something)

BROKEN_PAGE = """<!doctype html><html><head><title> </title></head><body>
<h1>One</h1><h1>Two</h1><h3>Skipped a level</h3>
<form><input id="a" type="text"><select name="s"><option>x</option></select><textarea aria-label="Fine"></textarea>
<label for="b">B</label><input id="b" type="text"><input type="hidden" name="h"><button type="submit"></button></form>
<img src="x.png"><img src="y.png" alt=""><svg width="10" height="10"><rect width="10" height="10"/></svg>
<svg role="img" width="10" height="10"><rect width="10" height="10"/></svg>
<svg role="img" width="10" height="10"><title>Labelled chart</title></svg>
<svg aria-hidden="true" width="10" height="10"></svg></body></html>"""


def test_00_the_accessibility_check_finds_known_problems(browser):
    browser.get("data:text/html;charset=utf-8," + urllib.parse.quote(BROKEN_PAGE))
    problems = browser.execute_script(ACCESSIBILITY_SCRIPT)
    expected = [
        "<html> has no lang attribute", "the page has no <title> text", "2 <h1> elements",
        'heading level skipped: <h3> "Skipped a level" follows <h1>',
        'form field without a label: <input id="a" type="text">', 'form field without a label: <select name="s">',
        'button without a name: <button type="submit">', 'image without alt: <img src="x.png">',
        'svg without role="img"', 'svg without a <title> or aria-label: <svg role="img">',
    ]
    missed = [want for want in expected if not any(want in problem for problem in problems)]
    assert not missed, f"the check missed {missed}; it found {problems}"
    assert len(problems) == len(expected), f"the check found more than expected: {problems}"


# ---------------------------------------------------------------------------------------------
# Signing in

def test_01_sign_in_sets_a_secure_host_session_cookie_on_localhost(hub, browser):
    browser.get(hub.base + "/ui/sign-in")
    assert h1_text(browser) == "Sign in to Baton"
    check_page(browser, "sign-in")
    sign_in(browser, hub, "dsl.ashgrove", start="")
    assert path_of(browser) == "/ui/inbox", f"a lead lands on the inbox, not {browser.current_url}: {error_summary(browser)}"
    cookie = browser.get_cookie("__Host-baton-session")
    # Chromium kept a `__Host-` Secure cookie over plain http because the host is localhost.
    assert cookie, "Chromium did not keep the __Host- session cookie on http://localhost"
    assert cookie["secure"] and cookie["httpOnly"] and cookie["path"] == "/" and cookie.get("sameSite") == "Lax", cookie
    assert browser.get_cookie("__Host-baton-sign-in") is None, "the sign-in form's cookie outlived the sign-in"
    header = text_of(browser, ".header__account")
    assert "Harriet Oakes" in header and "Ashgrove Primary School" in header, header


def test_02_sign_in_returns_to_the_page_first_asked_for(hub, browser):
    browser.get(hub.base + "/ui/sent")
    assert path_of(browser) == "/ui/sign-in"
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(browser.current_url).query)
    sign_in(browser, hub, "ppu.police", start="")
    assert path_of(browser) == "/ui/sent", (
        f"after signing in from a link to /ui/sent the browser is at {browser.current_url} "
        f"(the redirect to the sign-in page carried next={query.get('next')})")


def test_03_five_wrong_passwords_lock_the_account(hub, browser):
    for attempt in range(1, 6):
        sign_in(browser, hub, "dsl.lockout", password=f"not-the-password-{attempt}")
        assert path_of(browser) == "/ui/sign-in", "a wrong password signed in"
        message = error_summary(browser)
        if attempt < 5:
            assert "The username or password is not right" in message, message
            assert "locked" not in message
    assert "locked" in message, f"after 5 wrong passwords: {message}"
    check_page(browser, "sign-in", "sign-in-locked")
    sign_in(browser, hub, "dsl.lockout")  # the right password, while locked
    assert path_of(browser) == "/ui/sign-in", "a locked account signed in with the right password"
    assert "locked" in error_summary(browser), error_summary(browser)
    assert browser.get_cookie("__Host-baton-session") is None


# ---------------------------------------------------------------------------------------------
# A school lead and an Operation Encompass notification

def test_04_school_lead_opens_and_acknowledges_operation_encompass(hub, seeded, browser):
    item_id = seeded["oe_school_item"]
    sign_in_ok(browser, hub, "dsl.ashgrove")
    browser.get(hub.base + "/ui/inbox")
    wait_for(browser, lambda d: d.find_elements(By.ID, "inbox"), "the inbox has no #inbox table")
    check_page(browser, "inbox", "inbox-school")
    assert inbox_rows(browser) == [item_id], "the school's inbox holds exactly the notification routed to it"
    row = browser.find_element(By.CSS_SELECTOR, f'#inbox tr[data-item="{item_id}"]')
    assert "Operation encompass" in row.text and "Northmoor Police" in row.text, row.text
    row.find_element(By.CSS_SELECTOR, f'a[href="/ui/items/{item_id}"]').click()
    wait_for(browser, lambda d: path_of(d) == f"/ui/items/{item_id}", "the inbox link did not open the item")

    checks = Checks()
    checks.equal(h1_text(browser), "Operation encompass", "item heading")
    checks.equal(status_tag(browser), "Received", "status once the school has opened it")
    main = text_of(browser, "main")
    checks.true("Poppy Larkfield" in main, "the school sees which child the notification is about")
    checks.true("Domestic abuse" in main, "the school sees the kind of incident")
    check_page(browser, "item", "item-operation-encompass")

    # The child's page, linked from the item.
    links = browser.find_elements(By.CSS_SELECTOR, 'a[href^="/ui/children/"]')
    checks.true(links, "the item links to the child's record")
    if links:
        href = links[0].get_attribute("href")
        browser.get(href)
        checks.equal(text_of(browser, "#child-name") if browser.find_elements(By.ID, "child-name") else h1_text(browser),
                     "Poppy Larkfield", "child page heading (the name as the agencies wrote it)")
        checks.true(not browser.find_elements(By.ID, "counters"),
                    "the counters across agencies are the MASH's, not shown to the school")
        check_page(browser, "child", "child-school-view")
        browser.get(hub.base + f"/ui/items/{item_id}")

    # Acknowledge, naming the owner.
    fill(browser, "owner_name", "Harriet Oakes")
    submit_and_wait(browser, "acknowledge")
    checks.equal(path_of(browser), f"/ui/items/{item_id}", "page after acknowledging")
    checks.equal(status_tag(browser), "Accepted", "status after acknowledging")
    owner = browser.find_elements(By.ID, "item-owner")
    checks.true(owner and "Harriet Oakes" in owner[0].text, "the owner is shown after acknowledging")
    if status_tag(browser) == "Accepted":
        ledger["acknowledged"].add(item_id)
    checks.true(not browser.find_elements(By.ID, "acknowledge"), "the acknowledge form is gone once acknowledged")
    done = browser.find_elements(By.ID, "done")
    checks.true(done and done[0].is_displayed() and "Success" in done[0].text,
                f"the success banner #done is shown after acknowledging (URL {browser.current_url})")
    check_page(browser, "item", "item-operation-encompass-acknowledged")
    checks.done()


def test_05_a_lead_cannot_open_another_agencys_item_by_url(hub, seeded, browser):
    sign_in_ok(browser, hub, "dsl.academy")
    browser.get(hub.base + "/ui/inbox")
    assert inbox_rows(browser) == [], "Northmoor Academy was sent nothing, so its inbox is empty"
    cookie = session_cookie(browser)
    checks = Checks()
    for what, item_id in [("Ashgrove's Operation Encompass item", seeded["oe_school_item"]),
                          ("the MASH's referral item", seeded["police_referral_item"]),
                          ("an item that does not exist", str(uuid.uuid4()))]:
        browser.get(hub.base + f"/ui/items/{item_id}")
        checks.equal(h1_text(browser), "Page not found", f"{what}, pasted into the academy lead's browser")
        checks.true("Poppy" not in browser.page_source and "Tobias" not in browser.page_source, f"{what}: no child's name leaks")
        status, body = http_request(hub.api, "GET", f"/ui/items/{item_id}", headers={"Cookie": cookie})
        checks.equal(status, 404, f"HTTP status of {what}")
    check_page(browser, "error", "item-of-another-agency-not-found")
    # And the sender's view of a message it did not send.
    browser.get(hub.base + f"/ui/sent/{seeded['police_referral_message']}")
    checks.equal(h1_text(browser), "Page not found", "another agency's sent message")
    checks.done()


# ---------------------------------------------------------------------------------------------
# CSRF

def test_06_a_form_with_a_tampered_csrf_token_changes_nothing(hub, seeded, browser):
    item_id = seeded["oe_mash_item"]
    sign_in_ok(browser, hub, "sw.mash")
    browser.get(hub.base + f"/ui/items/{item_id}")
    before = status_tag(browser)
    assert before == "Received", before
    browser.execute_script(
        "document.querySelector('form[action$=\"/acknowledge\"] input[name=csrf]').value = 'tampered-' + Date.now();")
    fill(browser, "owner_name", "Nadia Brackenridge")
    submit_and_wait(browser, "acknowledge")
    checks = Checks()
    checks.equal(h1_text(browser), "This form has expired", "page after sending a tampered form")
    checks.true("nothing was changed" in text_of(browser, "main"), "the page says nothing was changed")
    check_page(browser, "error", "csrf-form-expired")
    browser.get(hub.base + f"/ui/items/{item_id}")
    checks.equal(status_tag(browser), before, "item status after the tampered form")
    checks.true(not browser.find_elements(By.ID, "item-owner"), "no owner was recorded")
    checks.true(browser.find_elements(By.ID, "acknowledge"), "the item can still be acknowledged")

    # The same without a browser: no token, and another token, are both refused with 403.
    cookie = session_cookie(browser)
    form_headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    for what, body in [("no csrf field", "owner_name=Mallory"), ("a made-up csrf token", "csrf=abc123&owner_name=Mallory")]:
        status, page = http_request(hub.api, "POST", f"/ui/items/{item_id}/acknowledge", headers=form_headers, body=body)
        checks.equal(status, 403, f"HTTP status of a form with {what}")
        checks.true("This form has expired" in page, f"a form with {what} gets the 'form has expired' page")
    browser.get(hub.base + f"/ui/items/{item_id}")
    checks.equal(status_tag(browser), before, "item status after the forged posts")
    checks.done()


def test_07_the_sign_in_form_refuses_a_tampered_token(hub, browser):
    browser.get(hub.base + "/ui/sign-in")
    browser.execute_script("document.querySelector('form input[name=csrf]').value = 'tampered';")
    sign_in(browser, hub, "sw.mash", start="")
    assert path_of(browser) == "/ui/sign-in"
    assert "expired" in error_summary(browser), error_summary(browser)
    assert browser.get_cookie("__Host-baton-session") is None


# ---------------------------------------------------------------------------------------------
# The MASH works a referral; the referrer sees the outcome

def test_08_mash_worker_works_a_referral_to_an_outcome(hub, seeded, browser):
    item_id = seeded["police_referral_item"]
    sign_in_ok(browser, hub, "sw.mash")
    browser.get(hub.base + "/ui/inbox")
    check_page(browser, "inbox", "inbox-mash")
    expected = {seeded["oe_mash_item"], seeded["police_referral_item"], seeded["school_referral_item"]}
    assert set(inbox_rows(browser)) == expected, "the MASH inbox holds the three items routed to it"
    browser.find_element(By.CSS_SELECTOR, f'#inbox tr[data-item="{item_id}"] a').click()
    wait_for(browser, lambda d: path_of(d) == f"/ui/items/{item_id}", "the inbox link did not open the referral")
    assert h1_text(browser) == "Decide response"
    assert status_tag(browser) == "Received"
    main = text_of(browser, "main")
    assert "Tobias Wrenfield" in main and "alone at home" in main, "the MASH sees the child and the concern"
    check_page(browser, "item", "item-referral-mash")
    checks = Checks()
    # The referral was sent with consent given: the page must not say consent was not sought.
    checks.true("Consent was not sought" not in text_of(browser, "#withheld"),
                f"consent given, yet the page says it was not sought: {text_of(browser, '#withheld')!r}")

    # The child's record across agencies, as the MASH sees it: both referrals.
    browser.get(browser.find_element(By.CSS_SELECTOR, 'a[href^="/ui/children/"]').get_attribute("href"))
    checks.equal(text_of(browser, "#child-name"), "Tobias Wrenfield", "child page heading (MASH view)")
    chronology = browser.find_elements(By.CSS_SELECTOR, "#chronology tbody tr")
    checks.true(len(chronology) >= 2, f"the MASH sees both referrals in the child's chronology ({len(chronology)} rows)")
    checks.true(browser.find_elements(By.CSS_SELECTOR, "#counters tbody tr"), "the MASH sees the counters of cumulative harm")
    check_page(browser, "child", "child-mash-view")
    browser.get(hub.base + f"/ui/items/{item_id}")

    fill(browser, "owner_name", "Nadia Brackenridge")
    submit_and_wait(browser, "acknowledge")
    assert status_tag(browser) == "Accepted", error_summary(browser)
    ledger["acknowledged"].add(item_id)

    # A decision form sent empty comes back with an error summary linking to the fields.
    submit_and_wait(browser, "decide")
    checks.true(browser.find_elements(By.CSS_SELECTOR, '.error-summary a[href="#decision_code"]'),
                f"an empty decision form comes back with an error summary linking to #decision_code: {error_summary(browser)}")
    checks.equal(status_tag(browser), "Accepted", "status after an empty decision form")
    messages = [e.text.strip() for e in browser.find_elements(By.CSS_SELECTOR, ".error-message")]
    checks.true(messages and not any("null" in m or "found" in m for m in messages),
                f"the field errors say what to do in plain words, not the protocol validator's: {messages}")
    check_page(browser, "item", "item-referral-form-problems")
    browser.get(hub.base + f"/ui/items/{item_id}")

    Select(browser.find_element(By.ID, "decision_code")).select_by_value(MASH_DECISION)
    fill(browser, "decision_rationale", MASH_DECISION_RATIONALE)
    submit_and_wait(browser, "decide")
    assert status_tag(browser) == "In progress", error_summary(browser)
    ledger["decided"].add(item_id)
    check_page(browser, "item", "item-referral-decided")

    Select(browser.find_element(By.ID, "outcome_code")).select_by_value(MASH_OUTCOME)
    fill(browser, "outcome_rationale", MASH_OUTCOME_RATIONALE)
    submit_and_wait(browser, "record-outcome")
    # s17-assessment needs no sign-off (outcomes.yaml), so the item closes at once.
    assert status_tag(browser) == "Completed", error_summary(browser)
    ledger["outcome"].add(item_id)
    outcome = text_of(browser, "#item-outcome")
    assert label(MASH_OUTCOME) in outcome and MASH_OUTCOME_RATIONALE in outcome, outcome
    assert not browser.find_elements(By.ID, "record-outcome"), "a closed item offers no more forms"
    check_page(browser, "item", "item-referral-completed")

    browser.get(hub.base + "/ui/inbox")
    assert item_id not in inbox_rows(browser), "the closed item left the open inbox"
    browser.get(hub.base + "/ui/inbox?state=closed")
    assert item_id in inbox_rows(browser), "the closed item is under closed items"

    browser.get(hub.base + "/ui/discussions")
    assert h1_text(browser) == "Strategy discussions"
    check_page(browser, "discussions")
    browser.get(hub.base + "/ui/reviews")
    assert h1_text(browser) == "Identity reviews"
    check_page(browser, "reviews")
    checks.done()


def test_09_the_referrer_sees_the_outcome_under_sent(hub, seeded, browser):
    message_id = seeded["police_referral_message"]
    sign_in_ok(browser, hub, "ppu.police")
    browser.get(hub.base + "/ui/sent")
    assert h1_text(browser) == "Sent"
    check_page(browser, "sent")
    rows = {row.get_attribute("data-message") for row in browser.find_elements(By.CSS_SELECTOR, "tr[data-message]")}
    assert rows == {seeded["oe_message"], message_id}, "Sent lists the police's two messages"
    browser.find_element(By.CSS_SELECTOR, f'tr[data-message="{message_id}"] a').click()
    wait_for(browser, lambda d: path_of(d) == f"/ui/sent/{message_id}", "the Sent link did not open the message")
    checks = Checks()
    checks.equal(h1_text(browser), "Referral", "sent message heading")
    outcomes = [element.text.strip() for element in browser.find_elements(By.CSS_SELECTOR, ".sent-outcome")]
    checks.equal(outcomes, [label(MASH_OUTCOME)], "outcomes shown to the referrer")
    # outcomes.yaml: s17-assessment tells the referrer the code only, not the MASH's rationale.
    checks.true(MASH_OUTCOME_RATIONALE not in text_of(browser, "main"), "the MASH's rationale is not shown to the referrer")
    first_view = text_of(browser, "#loop-state")
    check_page(browser, "sent-message")
    if outcomes == [label(MASH_OUTCOME)]:
        ledger["referrer_told"].add(seeded["police_referral_item"])
    # Reading it delivered the outcome; the loop is closed (on this view or, at the latest, the next).
    browser.refresh()
    checks.equal(text_of(browser, "#loop-state"), "Loop closed", "loop state after the referrer has read the outcome")
    checks.equal(first_view, "Loop closed", "loop state on the referrer's first view of the outcome")
    browser.get(hub.base + "/ui/sent")
    row = browser.find_element(By.CSS_SELECTOR, f'tr[data-message="{message_id}"]')
    checks.true("Closed" in row.text, f"the Sent list shows the loop closed: {row.text!r}")
    checks.done()


SIGN_OFF_OUTCOME = "other"  # outcomes.yaml: signOff always, tellReferrer code-and-rationale
SIGN_OFF_RATIONALE = "Already known: the family accepted an early help offer last month; no new referral opened."
SIGN_OFF_REASON = "Agreed: the early help plan covers these concerns."


def test_09b_an_outcome_needing_sign_off_waits_for_a_manager(hub, seeded, browsers):
    item_id = seeded["school_referral_item"]
    worker, manager = browsers(), browsers()
    sign_in_ok(worker, hub, "sw.mash")
    worker.get(hub.base + f"/ui/items/{item_id}")
    assert status_tag(worker) == "Received"
    fill(worker, "owner_name", "Nadia Brackenridge")
    submit_and_wait(worker, "acknowledge")
    assert status_tag(worker) == "Accepted", error_summary(worker)
    ledger["acknowledged"].add(item_id)

    Select(worker.find_element(By.ID, "outcome_code")).select_by_value(SIGN_OFF_OUTCOME)
    fill(worker, "outcome_rationale", SIGN_OFF_RATIONALE)
    submit_and_wait(worker, "record-outcome")
    proposed_status = status_tag(worker)
    assert proposed_status not in ("Completed", "Accepted"), f"an outcome needing sign-off closed the item at once ({proposed_status})"
    assert "awaiting sign-off" in text_of(worker, "main"), "the proposed outcome is shown as awaiting sign-off"
    assert not worker.find_elements(By.ID, "sign-off"), "a social worker (lead) is offered the sign-off form"
    check_page(worker, "item", "item-outcome-awaiting-sign-off")

    sign_in_ok(manager, hub, "tm.mash")
    manager.get(hub.base + f"/ui/items/{item_id}")
    manager.find_element(By.ID, "signoff-approved").click()
    fill(manager, "signoff_reason", SIGN_OFF_REASON)
    check_page(manager, "item", "item-sign-off-form")
    submit_and_wait(manager, "sign-off")
    assert status_tag(manager) == "Completed", f"after the manager's sign-off: {status_tag(manager)}; {error_summary(manager)}"
    outcome = text_of(manager, "#item-outcome")
    assert label(SIGN_OFF_OUTCOME) in outcome and "signed off by Owen Sallow" in outcome, outcome
    # An outcome without a decision counts as the decision (LoopHealth.swift, "decided").
    ledger["decided"].add(item_id)
    ledger["outcome"].add(item_id)
    check_page(manager, "item", "item-signed-off")

    # The academy, which referred, reads the outcome and (code-and-rationale) the rationale.
    academy = browsers()
    sign_in_ok(academy, hub, "dsl.academy")
    academy.get(hub.base + "/ui/sent")
    academy.find_element(By.CSS_SELECTOR, "tr[data-message] a").click()
    wait_for(academy, lambda d: path_of(d).startswith("/ui/sent/"), "the Sent link did not open the message")
    assert [e.text.strip() for e in academy.find_elements(By.CSS_SELECTOR, ".sent-outcome")] == [label(SIGN_OFF_OUTCOME)]
    assert SIGN_OFF_RATIONALE in text_of(academy, "main"), "the referrer is told the rationale of an 'other' outcome"
    ledger["referrer_told"].add(item_id)
    academy.refresh()
    assert text_of(academy, "#loop-state") == "Loop closed"
    check_page(academy, "sent-message", "sent-message-academy")


def test_10_signing_out_ends_the_session(hub, browser):
    sign_in_ok(browser, hub, "dsl.ashgrove")
    cookie = session_cookie(browser)
    browser.find_element(By.CSS_SELECTOR, ".header__account button").click()
    wait_for(browser, lambda d: path_of(d) == "/ui/sign-in", "signing out did not go to the sign-in page")
    assert "You have signed out" in text_of(browser, "main")
    status, _ = http_request(hub.api, "GET", "/ui/inbox", headers={"Cookie": cookie})
    assert status in (302, 303), f"the old session cookie still opens the inbox (HTTP {status})"
    browser.get(hub.base + "/ui/inbox")
    assert path_of(browser) == "/ui/sign-in"


# ---------------------------------------------------------------------------------------------
# Session expiry: a hub of its own with a 3-second idle timeout

def test_11_an_idle_session_expires(workdir, browser):
    idle = Hub("idle", workdir, extra=("--session-idle-timeout", "3"))
    username = "dsl.ashgrove"
    name, agency, role, password = ACCOUNTS[username]
    idle.add_user(username, name, agency, role, password)
    idle.start()
    try:
        sign_in_ok(browser, idle, username)
        assert path_of(browser) == "/ui/inbox"
        time.sleep(5)
        browser.refresh()
        assert path_of(browser) == "/ui/sign-in", f"after 5 idle seconds the inbox still opened: {browser.current_url}"
        assert "You were signed out" in text_of(browser, "main"), text_of(browser, "main")
        screenshot(browser, "sign-in-session-expired")
        sign_in(browser, idle, username, start="")
        assert path_of(browser) == "/ui/inbox", f"signing in again returns to the inbox, not {browser.current_url}"
    finally:
        idle.stop()


# ---------------------------------------------------------------------------------------------
# The auditor's loop health

def test_12_auditor_loop_health_shows_the_seeded_figures(hub, seeded, browser):
    sign_in_ok(browser, hub, "audit.mash")
    browser.get(hub.base + "/ui/loop-health")
    figures = {cell.get_attribute("data-figure"): cell.text.strip()
               for cell in browser.find_elements(By.CSS_SELECTOR, "[data-figure]")}
    assert figures, f"/ui/loop-health shows no figures (is the page wired?): {h1_text(browser)!r}, {browser.page_source[:300]!r}"
    check_page(browser, "loop-health")

    # What the seeded traffic and the earlier tests imply. Loop items are the routed action items:
    # every item in the receipts (the notification's two, one per referral); all created today.
    received = sum(len(receipt["items"]) for receipt in seeded["receipts"])
    # Re-referrals: referrals whose child was the subject of an earlier referral (the receipts
    # say which person each subject was linked to).
    earlier: set[str] = set()
    re_referrals = 0
    for receipt in seeded["referrals"]:
        persons = {subject["person"] for subject in receipt["subjects"]}
        re_referrals += bool(persons & earlier)
        earlier |= persons
    now = dt.datetime.now(dt.timezone.utc)
    overdue = sum(1 for receipt in seeded["receipts"] for item in receipt["items"]
                  if item["itemId"] not in ledger["outcome"]
                  and dt.datetime.fromisoformat(item["dueAt"].replace("Z", "+00:00")) <= now)
    expected = {
        "received": received,                            # 4
        "acknowledged": len(ledger["acknowledged"]),     # 3: the school's notice, both referrals
        "decided": len(ledger["decided"]),               # 2: both referrals
        "outcome": len(ledger["outcome"]),               # 2
        "referrer-told": len(ledger["referrer_told"]),   # 2: the police and the academy read them under Sent
        "overdue-total": overdue,                        # 0: nothing is due yet
        "referrals": len(seeded["referrals"]),           # 2
        "re-referrals": re_referrals,                    # 1: the academy's, about the same child
    }
    actual = {key: int(figures[key].replace(",", "")) if figures.get(key, "").replace(",", "").isdigit() else figures.get(key)
              for key in expected}
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "loop-health-figures.json").write_text(json.dumps({"expected": expected, "shown": actual}, indent=2) + "\n")
    assert actual == expected, f"loop-health figures: expected {expected}, page shows {actual} (ledger {ledger})"

    # An auditor does not work items.
    browser.get(hub.base + "/ui/inbox")
    assert h1_text(browser) == "You cannot see this page"


# ---------------------------------------------------------------------------------------------
# Accessibility of everything visited

def test_99_every_page_visited_has_labels_headings_and_text_alternatives():
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    lines = [f"{page}  {url}\n    {problem}" for page, url, problem in accessibility_problems]
    report = ARTEFACTS / "accessibility.txt"
    report.write_text(("\n".join(lines) if lines else "No problems found.") + "\n\nPages checked:\n" +
                      "\n".join(f"  {kind}: {len(urls)}" for kind, urls in sorted(pages_checked.items())) + "\n")
    missing = PAGES_TO_CHECK - set(pages_checked)
    problems = [f"{page} ({url}): {problem}" for page, url, problem in accessibility_problems]
    if missing:
        problems.append(f"pages never reached, so not checked (an earlier test failed?): {sorted(missing)}")
    assert not problems, "accessibility problems:\n  - " + "\n  - ".join(problems)
