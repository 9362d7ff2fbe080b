"""The single file (dist/flowlens-offline.html) from disk in headless Firefox.

What tests/browser/offline.mjs proves for Chromium, proved again in Firefox ESR (Debian's),
driven through Marionette, the remote protocol built into Firefox (the Python package
marionette_driver speaks it; no geckodriver, no Playwright build of Firefox):

- the single file, copied alone into an empty folder, opens from file:// with no server;
- the Example button: the example week analyses to flowlens analyze --json's report (the
  page's Download report compared field by field), the address table loaded, and the
  figures on screen (files, records, the verdict's outcome, suspect and baseline) equal
  the CLI's;
- the file chooser: the week's 1,008 .log.gz files given to the page's file input (as a
  person picking them in the chooser) analyse with two parse workers to the CLI's report;
- a drop of the same files on the drop zone (a DragEvent carrying real File objects), the
  same;
- bad input: the week with a gzip cut in half and a text file with a malformed record
  beside it: the diagnostics on screen name the file (and line), the report is the CLI's;
- not tested: the folder chooser (Marionette gives an input files, not a folder: it
  answers "File not found" for a folder's path) and a drop of a folder (a page cannot
  make a DataTransfer holding one);
- nothing went over the network: every proxy setting points at a trap on 127.0.0.1 that
  records what reaches it (first shown to catch a request), and it saw none from the
  page; no error in the browser console from the page or its workers; no update notice
  or download link (they need a site).

Run by scripts/firefox-offline.sh (which installs Firefox ESR and marionette_driver when
missing); prints `N passed, N failed` last and exits non-zero when anything failed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

from marionette_driver.by import By
from marionette_driver.marionette import Marionette

ROOT = Path(__file__).resolve().parents[2]
SINGLE_FILE = "flowlens-offline.html"
SUSPECT = "201.48.16.81"
WEEK_FILES = 1008
READ_TIMEOUT_S = 240
# Hosts of Firefox's own background services. The profile turns them off (prefs below);
# should one still call out, it is listed but not held against the page, whose policy
# (connect-src data:) could not reach them anyway.
FIREFOX_OWN_HOSTS = (".mozilla.com", ".mozilla.net", ".mozilla.org", ".firefox.com", ".mozaws.net")


# ---------------------------------------------------------------------------
# Bookkeeping, as tests/browser/lib.mjs's makeRunner.


class Runner:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def test(self, name: str, fn) -> bool:
        started = time.monotonic()
        try:
            fn()
        except Exception as error:  # noqa: BLE001 - every failure is a test's result
            self.failed += 1
            detail = "".join(traceback.format_exception(error)).rstrip()
            print(f"FAIL {name}\n     " + detail.replace("\n", "\n     "), flush=True)
            return False
        self.passed += 1
        print(f"ok   {name} ({int((time.monotonic() - started) * 1000)} ms)", flush=True)
        return True

    def finish(self, extra_failures: int = 0) -> int:
        failed = self.failed + extra_failures
        print(f"{self.passed} passed, {failed} failed", flush=True)
        return 1 if failed else 0


def check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


# ---------------------------------------------------------------------------
# Comparing reports, as tests/browser/lib.mjs (normalise, differences).


def normalise(report: dict) -> dict:
    """The report without what legitimately differs: the folders in diagnostics' file
    names (the CLI names files by their path, the page by the name it was given)."""
    copy = json.loads(json.dumps(report))
    if copy.get("input") is not None:
        diagnostics = copy["input"].get("diagnostics") or {"total": 0, "rows": []}
        copy["input"]["diagnostics"] = {
            "total": diagnostics["total"],
            "rows": [
                f"{os.path.basename(d['file'])}:{'' if d.get('line') is None else d['line']}: {d['message']}"
                for d in diagnostics["rows"]
            ],
        }
    return copy


def differences(a, b, at: str = "$", out: list | None = None) -> list:
    """Paths where `a` and `b` differ (numbers compared to 1e-9 relative)."""
    out = [] if out is None else out
    if len(out) > 20:
        return out
    number = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)  # noqa: E731
    if number(a) and number(b):
        scale = max(abs(a), abs(b), 1)
        if abs(a - b) / scale > 1e-9:
            out.append(f"{at}: {a} != {b}")
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{at}: length {len(a)} != {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            differences(x, y, f"{at}[{i}]", out)
    elif isinstance(a, dict) and isinstance(b, dict):
        for key in list(dict.fromkeys([*a.keys(), *b.keys()])):
            differences(a.get(key), b.get(key), f"{at}.{key}", out)
    elif a != b:
        out.append(f"{at}: {json.dumps(a)} != {json.dumps(b)}")
    return out


def assert_same_report(page_report: dict, cli_report: dict, what: str) -> None:
    diff = differences(normalise(page_report), normalise(cli_report))
    check(not diff, f"{what}: the page's report differs from the CLI's:\n" + "\n".join(diff))


# ---------------------------------------------------------------------------
# The network trap: a proxy on 127.0.0.1 that answers nothing and records what it got.


class Trap:
    def __init__(self) -> None:
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.port = self.server.getsockname()[1]
        self.requests: list[str] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    head = conn.recv(4096)
                except OSError:
                    head = b""
                # The request line (GET http://host/…, CONNECT host:443), or the first bytes
                # of a SOCKS greeting.
                line = head.split(b"\r\n", 1)[0].decode("latin-1") if head else "(connected, sent nothing)"
                with self.lock:
                    self.requests.append(line)

    def seen(self) -> list[str]:
        with self.lock:
            return list(self.requests)

    def close(self) -> None:
        self.server.close()


def is_firefox_own(line: str) -> bool:
    parts = line.split()
    if len(parts) < 2:
        return False
    target = parts[1]
    host = target.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
    return any(host.endswith(suffix) for suffix in FIREFOX_OWN_HOSTS)


# ---------------------------------------------------------------------------
# Firefox.


def profile_prefs(trap_port: int, downloads: Path) -> dict:
    """The fresh profile's preferences: Marionette on a free port, every proxy at the trap
    (no direct fallback, localhost included), downloads saved without asking, and
    Firefox's own background traffic off."""
    return {
        "marionette.port": 0,
        "network.proxy.type": 1,
        "network.proxy.http": "127.0.0.1",
        "network.proxy.http_port": trap_port,
        "network.proxy.ssl": "127.0.0.1",
        "network.proxy.ssl_port": trap_port,
        "network.proxy.socks": "127.0.0.1",
        "network.proxy.socks_port": trap_port,
        "network.proxy.share_proxy_settings": False,
        "network.proxy.no_proxies_on": "",
        "network.proxy.allow_hijacking_localhost": True,
        "network.proxy.failover_direct": False,
        "network.trr.mode": 5,
        "browser.download.folderList": 2,
        "browser.download.dir": str(downloads),
        "browser.download.useDownloadDir": True,
        "browser.download.always_ask_before_handling_new_types": False,
        "browser.download.alwaysOpenPanel": False,
        "browser.download.panel.shown": True,
        "browser.helperApps.neverAsk.saveToDisk": "application/json,text/markdown,text/csv",
        "app.update.disabledForTesting": True,
        "app.normandy.enabled": False,
        "browser.shell.checkDefaultBrowser": False,
        "browser.startup.page": 0,
        "browser.startup.homepage": "about:blank",
        "browser.startup.homepage_override.mstone": "ignore",
        "browser.newtabpage.enabled": False,
        "browser.newtabpage.activity-stream.feeds.topsites": False,
        "browser.newtabpage.activity-stream.feeds.system.topstories": False,
        "browser.safebrowsing.malware.enabled": False,
        "browser.safebrowsing.phishing.enabled": False,
        "browser.safebrowsing.downloads.enabled": False,
        "browser.safebrowsing.blockedURIs.enabled": False,
        "browser.safebrowsing.provider.mozilla.updateURL": "",
        "browser.search.update": False,
        "browser.region.network.url": "",
        "browser.ping-centre.telemetry": False,
        "datareporting.policy.dataSubmissionEnabled": False,
        "datareporting.healthreport.uploadEnabled": False,
        "toolkit.telemetry.enabled": False,
        "toolkit.telemetry.server": "",
        "extensions.update.enabled": False,
        "extensions.getAddons.cache.enabled": False,
        "extensions.systemAddon.update.enabled": False,
        "messaging-system.rsexperimentloader.enabled": False,
        "network.captive-portal-service.enabled": False,
        "network.connectivity-service.enabled": False,
        "network.dns.disablePrefetch": True,
        "network.prefetch-next": False,
        "services.settings.server": "data:,#remote-settings-dummy/v1",
        "security.OCSP.enabled": 0,
        "security.remote_settings.crlite_filters.enabled": False,
        "identity.fxaccounts.enabled": False,
        "media.gmp-manager.updateEnabled": False,
        "media.gmp-manager.url": "data:,",
        "media.gmp-widevinecdm.enabled": False,
        "media.gmp-gmpopenh264.enabled": False,
    }


class Firefox:
    """Firefox started on a fresh profile, with a Marionette session."""

    def __init__(self, binary: str, profile: Path, prefs: dict) -> None:
        profile.mkdir(parents=True)
        (profile / "user.js").write_text(
            "".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in prefs.items())
        )
        self.log = open(profile.parent / "firefox.log", "w")  # noqa: SIM115 - closed in quit()
        self.process = subprocess.Popen(
            # -remote-allow-system-access: reading the browser console needs the chrome context.
            [binary, "--marionette", "-remote-allow-system-access", "--headless", "--no-remote", "--profile", str(profile)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            # MOZ_REMOTE_SETTINGS_DEVTOOLS lets the profile's services.settings.server stand.
            env={**os.environ, "MOZ_HEADLESS": "1", "MOZ_CRASHREPORTER_DISABLE": "1", "MOZ_REMOTE_SETTINGS_DEVTOOLS": "1"},
        )
        # With marionette.port 0 Firefox takes a free port and writes it into the profile.
        port_file = profile / "MarionetteActivePort"
        deadline = time.monotonic() + 60
        while not port_file.exists() or not port_file.read_text().strip():
            if self.process.poll() is not None:
                raise RuntimeError(f"Firefox exited ({self.process.returncode}) before Marionette listened")
            if time.monotonic() > deadline:
                raise RuntimeError("Marionette did not start within 60 s")
            time.sleep(0.2)
        self.client = Marionette(host="127.0.0.1", port=int(port_file.read_text().strip()))
        # The file chooser input is visually hidden (clipped), as a styled one usually is.
        self.client.start_session(capabilities={"strictFileInteractability": False})
        self.client.timeout.script = 60

    @property
    def version(self) -> str:
        return self.client.session_capabilities.get("browserVersion", "?")

    def quit(self) -> None:
        try:
            self.client.delete_session()
        except Exception:  # noqa: BLE001 - quitting anyway
            pass
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()

    # -- the page ------------------------------------------------------------

    def js(self, script: str, args: list | None = None):
        return self.client.execute_script(script, script_args=args or [], sandbox=None)

    def wait_for(self, script: str, what: str, timeout_s: float, args: list | None = None):
        deadline = time.monotonic() + timeout_s
        while True:
            value = self.js(script, args)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
            time.sleep(0.25)

    def state(self) -> str | None:
        return self.js("const a = document.querySelector('.app'); return a ? a.dataset.state : null;")

    def wait_state(self, state: str, timeout_s: float = 60) -> None:
        self.wait_for(
            "const a = document.querySelector('.app'); return !!a && a.dataset.state === arguments[0];",
            f".app[data-state={state}] (now {self.state()!r})",
            timeout_s,
            [state],
        )

    def wait_analysis(self, addr: str, timeout_s: float = READ_TIMEOUT_S) -> None:
        self.wait_for(
            """const a = document.querySelector('.app');
               if (!a) return false;
               if (a.dataset.state === 'error') return 'error';
               return a.dataset.state === 'ready' && a.dataset.analysisAddr === arguments[0];""",
            f"an analysis of {addr}",
            timeout_s,
            [addr],
        )
        error = self.text('[data-testid="error"]')
        check(self.state() == "ready", f"the page shows an error: {error}")

    def text(self, selector: str) -> str | None:
        return self.js("const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", [selector])

    def element(self, selector: str):
        return self.client.find_element(By.CSS_SELECTOR, selector)

    def console_errors(self) -> list[str]:
        """Errors in the browser console (script errors and console.error) that came from
        content (the page, its blob: workers), not from Firefox itself."""
        with self.client.using_context(self.client.CONTEXT_CHROME):
            return self.client.execute_script(
                """
                const out = [];
                for (const m of Services.console.getMessageArray() || []) {
                  if (!(m instanceof Ci.nsIScriptError)) continue;
                  if (m.flags & (Ci.nsIScriptError.warningFlag | Ci.nsIScriptError.infoFlag)) continue;
                  if (m.isFromChromeContext) continue;
                  if (!/^(file|blob|data):|^$/.test(m.sourceName || '')) continue;
                  out.push(`${m.category}: ${m.errorMessage} (${m.sourceName}:${m.lineNumber})`);
                }
                const storage = Cc['@mozilla.org/consoleAPI-storage;1'].getService(Ci.nsIConsoleAPIStorage);
                for (const e of storage.getEvents()) {
                  if (e.level !== 'error') continue;
                  if (!/^(file|blob|data):/.test(e.filename || '')) continue;
                  out.push(`console.error: ${(e.arguments || []).map(String).join(' ')} (${e.filename}:${e.lineNumber})`);
                }
                return out;
                """
            )


# ---------------------------------------------------------------------------


def run(cmd: list[str]) -> str:
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


def week_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--firefox", default=os.environ.get("FIREFOX_PATH", "/usr/bin/firefox-esr"))
    parser.add_argument("--dist", default=os.environ.get("FLOWLENS_DIST", str(ROOT / "dist")))
    parser.add_argument("--cli", default=os.environ.get("FLOWLENS_CLI", str(ROOT / "target" / "debug" / "flowlens")))
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (profile, downloads, log)")
    args = parser.parse_args()

    runner = Runner()
    single = Path(args.dist) / SINGLE_FILE
    if not single.is_file():
        print(f"no single file: {single} is missing (run trunk build --release first)")
        return runner.finish(1)
    tmp = Path(tempfile.mkdtemp(prefix="flowlens-firefox-"))
    week_dir = tmp / "week"
    downloads = tmp / "downloads"
    downloads.mkdir()
    cli: dict = {}

    def setup() -> None:
        run([args.cli, "example", str(week_dir)])
        cli["week"] = week_files(week_dir)
        check(len(cli["week"]) == WEEK_FILES, f"{len(cli['week'])} files")
        cli["text_bytes"] = sum(len(gzip.decompress(p.read_bytes())) for p in cli["week"])
        cli["report"] = json.loads(run([args.cli, "analyze", "--json", str(week_dir)]))
        check(cli["report"]["suspect"] == SUSPECT, f"CLI suspect {cli['report']['suspect']!r}")

    if not runner.test("setup: the CLI writes the example week and its report", setup):
        return runner.finish()

    trap = Trap()
    try:
        firefox = Firefox(args.firefox, tmp / "profile", profile_prefs(trap.port, downloads))
    except Exception as error:  # noqa: BLE001 - reported as the failure it is
        print(f"FAIL firefox: could not start and drive {args.firefox}: {error}")
        log = tmp / "firefox.log"
        if log.exists():
            print("     " + log.read_text()[-3000:].replace("\n", "\n     "))
        trap.close()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        return runner.finish(1)
    print(f"     (Firefox {firefox.version}, {args.firefox}; profile {tmp / 'profile'})", flush=True)

    def download_report(what: str) -> dict:
        before = set(os.listdir(downloads))
        firefox.element('[data-testid="download-report"]').click()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            new = [n for n in set(os.listdir(downloads)) - before if n.endswith(".json")]
            for name in new:
                try:
                    return json.loads((downloads / name).read_text())
                except (OSError, ValueError):
                    pass  # still being written
            time.sleep(0.25)
        raise AssertionError(f"{what}: no report saved in {downloads} within 60 s ({sorted(os.listdir(downloads))})")

    def same_as_cli(what: str, example: bool = False) -> None:
        report = download_report(what)
        if example:
            # The example button makes the week in memory: its bytes read are the text's,
            # where the CLI read the .log.gz files.
            got = report["input"]["bytes_read"]
            check(got == cli["text_bytes"], f"{what}: {got} bytes read, the week has {cli['text_bytes']} of text")
            report["input"]["bytes_read"] = cli["report"]["input"]["bytes_read"]
        assert_same_report(report, cli["report"], what)

    def figures_on_screen(what: str) -> None:
        shown = firefox.js(
            """
            const q = (s) => document.querySelector(s);
            const field = (f) => q(`[data-testid="verdict"] [data-field="${f}"]`)?.textContent ?? null;
            return {
              files: q('[data-testid="summary"] [data-field="files"]')?.textContent,
              records: q('[data-testid="summary"] [data-field="records"]')?.textContent,
              outcome: q('[data-testid="verdict"]')?.dataset.outcome,
              addr: q('[data-testid="verdict"]')?.dataset.addr,
              baseline_flows: field('baseline_flows'),
              geo: q('[data-testid="geo-database"]')?.dataset.state,
            };
            """
        )
        integer = lambda text: int("".join(ch for ch in (text or "").split("(")[0] if ch.isdigit()) or -1)  # noqa: E731
        report = cli["report"]
        verdict = report["verdict"]
        check(shown["geo"] == "loaded", f"{what}: address table {shown['geo']!r}")
        check(integer(shown["files"]) == report["input"]["files"], f"{what}: files {shown['files']!r} vs {report['input']['files']}")
        check(integer(shown["records"]) == report["input"]["records"], f"{what}: records {shown['records']!r} vs {report['input']['records']}")
        check(shown["outcome"] == verdict["outcome"], f"{what}: outcome {shown['outcome']!r} vs {verdict['outcome']!r}")
        check(shown["addr"] == verdict["addr"] == SUSPECT, f"{what}: suspect {shown['addr']!r} vs {verdict['addr']!r}")
        want = verdict["baseline"]["flows"]
        check(integer(shown["baseline_flows"]) == want, f"{what}: baseline flows {shown['baseline_flows']!r} vs {want}")

    alone = tmp / "alone"
    alone.mkdir()
    shutil.copyfile(single, alone / SINGLE_FILE)
    url = (alone / SINGLE_FILE).as_uri()
    page_requests_from = 0
    try:

        def trap_catches() -> None:
            nonlocal page_requests_from
            try:
                firefox.client.navigate("http://flowlens-trap.invalid/probe")
            except Exception:  # noqa: BLE001 - an error page is expected: the trap answers nothing
                pass
            seen = trap.seen()
            check(any("flowlens-trap.invalid" in line for line in seen), f"the trap saw {seen}")
            page_requests_from = len(seen)

        runner.test("network: every request goes to the trap (a probe reaches it, nothing else can)", trap_catches)

        def opens() -> None:
            firefox.client.navigate(f"{url}?flowlens-parsers=2")
            firefox.wait_state("empty", 60)

        if runner.test("single file: it opens from file:// alone, with no server", opens):

            def example() -> None:
                firefox.element('[data-testid="example-button"]').click()
                firefox.wait_analysis(SUSPECT)
                figures_on_screen("example")
                same_as_cli("single file, example", example=True)

            runner.test("single file: the Example button's week analyses, with the address table, to the CLI's report", example)

            def clear() -> None:
                if firefox.state() != "empty":
                    firefox.element('[data-testid="clear"]').click()
                firefox.wait_state("empty", 60)

            def chooser() -> None:
                clear()
                paths = "\n".join(str(p) for p in cli["week"])
                firefox.element('[data-testid="file-input"]').send_keys(paths)
                firefox.wait_analysis(SUSPECT)
                used = firefox.js("return Number(document.querySelector('[data-testid=\"summary\"]').dataset.parseWorkers);")
                check(used == 2, f"parse workers used: {used}")
                figures_on_screen("file input")
                same_as_cli("single file, file input")

            runner.test("single file: the week's 1,008 files chosen through the file input read with two parse workers, to the CLI's report", chooser)

            def drop() -> None:
                clear()
                firefox.js(
                    """const input = document.createElement('input');
                       input.type = 'file'; input.multiple = true; input.id = 'test-helper-input';
                       input.hidden = true; document.body.append(input);"""
                )
                firefox.element("#test-helper-input").send_keys("\n".join(str(p) for p in cli["week"]))
                count = firefox.js(
                    """const input = document.getElementById('test-helper-input');
                       const transfer = new DataTransfer();
                       for (const file of input.files) transfer.items.add(file);
                       input.remove();
                       const zone = document.querySelector('[data-testid="drop-zone"]');
                       for (const type of ['dragenter', 'dragover', 'drop']) {
                         zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }));
                       }
                       return transfer.files.length;"""
                )
                check(count == WEEK_FILES, f"dropped {count} files")
                firefox.wait_analysis(SUSPECT)
                same_as_cli("single file, drop")

            runner.test("single file: a drop of the week on the drop zone reads, to the CLI's report", drop)

            def bad_input() -> None:
                # The week and two bad files beside it: a gzip cut in half (Firefox's own
                # DecompressionStream, or the page's inflater, must say where it ends) and a
                # text file with a malformed record. The CLI reads the same folder.
                odd = tmp / "odd"
                shutil.copytree(week_dir, odd)
                first = max(cli["week"], key=lambda p: p.stat().st_size).read_bytes()
                (odd / "truncated-half.log.gz").write_bytes(first[: len(first) // 2])
                text = gzip.decompress(first).decode().splitlines()
                (odd / "bad-record.log").write_text("\n".join([text[0], text[1], "2 123456789012 eni-0 not-an-address", text[2]]) + "\n")
                want = json.loads(run([args.cli, "analyze", "--json", str(odd)]))
                rows = want["input"]["diagnostics"]["rows"]
                check(any(r["file"].endswith("truncated-half.log.gz") for r in rows), f"the CLI saw no cut gzip: {rows}")
                check(any(r["file"].endswith("bad-record.log") and r.get("line") == 3 for r in rows), f"the CLI saw no bad line 3: {rows}")
                clear()
                firefox.element('[data-testid="file-input"]').send_keys("\n".join(str(p) for p in week_files(odd)))
                firefox.wait_analysis(want["suspect"])
                shown = firefox.js("return [...document.querySelectorAll('[data-testid=\"diagnostics\"] li')].map((li) => li.textContent);")
                for name in ("truncated-half.log.gz", "bad-record.log:3"):
                    check(any(name in line for line in shown), f"no diagnostic naming {name} on screen: {shown}")
                assert_same_report(download_report("bad input"), want, "single file, bad input")

            runner.test("single file: a cut gzip and a malformed record are named, file and line, as the CLI names them; the rest is read", bad_input)

            def quiet() -> None:
                seen = trap.seen()[page_requests_from:]
                own = [line for line in seen if is_firefox_own(line)]
                others = [line for line in seen if not is_firefox_own(line)]
                if own:
                    hosts = sorted(set(line.split()[1] for line in own))
                    print(f"     (Firefox's own background requests, not the page's: {len(own)} to {hosts})")
                check(not others, f"requests that reached the trap: {others}")
                errors = firefox.console_errors()
                check(not errors, "console errors:\n" + "\n".join(errors))

            runner.test("single file: nothing went over the network, no error in the console", quiet)

            def hosted_only() -> None:
                present = firefox.js("return [!!document.getElementById('update'), !!document.getElementById('offline-copy')];")
                check(present == [False, False], f"#update, #offline-copy present: {present}")

            runner.test("single file: no update notice or download link in it", hosted_only)
    finally:
        firefox.quit()
        trap.close()
        if args.keep:
            print(f"     (kept {tmp})")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return runner.finish()


if __name__ == "__main__":
    sys.exit(main())
