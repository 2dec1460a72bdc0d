#!/usr/bin/env python3
"""The review page in a real browser: headless Chromium opens the page of two
runs that disagree, a reviewer moves to the first flipped item with the
keyboard (j), marks it data_error (2), types a Thai comment (c), names
themself and presses the download buttons; the downloaded item_verdicts.jsonl
and verdicts.json hold exactly that, and `rwkvbench review` run again shows
the verdict and exports the item to errata.jsonl.

Chromium is driven over the DevTools protocol on a pipe (fds 3 and 4), so
nothing but the Python standard library is needed.

usage: review_page_test.py RWKVBENCH SOURCE_DIR WORK_DIR
exit 0 pass, 1 fail, 77 skip (no chromium)."""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


class Browser:
    """Chromium with --remote-debugging-pipe: NUL-separated JSON both ways."""

    def __init__(self, exe, profile):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def fds():  # the child's fd 3 reads our commands, fd 4 carries its answers
            # Copies first: a pipe may already be fd 3 or 4, and dup2 onto itself
            # would leave it close-on-exec.
            r, w = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(r, 3)
            os.dup2(w, 4)

        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             "--no-first-run", "--user-data-dir=" + profile, "about:blank"],
            preexec_fn=fds, close_fds=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.next_id = 0
        self.buffer = b""
        self.events = []

    def _read_message(self, deadline):
        while b"\0" not in self.buffer:
            if time.time() > deadline:
                fail("chromium did not answer in time")
            chunk = os.read(self.from_chrome, 65536)
            if not chunk:
                fail("chromium closed the pipe")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method, params=None, session=None, timeout=30):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            m = self._read_message(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    fail(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def close(self):
        try:
            self.call("Browser.close", timeout=5)
        except SystemExit:
            pass
        self.proc.wait(timeout=10)


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr[-2000:]}")
    return r.stdout


def main():
    exe, source, work = (os.path.abspath(a) for a in sys.argv[1:4])
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("SKIP: chromium is not installed")
        return 77
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    # Two runs under one model name: the RWKV-4 and GPT-NeoX pair disagree on some Thai XCOPA items.
    models = source + "/datasets/models/pair-udhr/"
    for side, model, engine in (("base", "rwkv4-udhr-4x128-f32.pth", "rwkv4-parallel"),
                                ("new", "gptneox-udhr-4x128", "transformer")):
        config = f"{work}/{side}.json"
        with open(config, "w") as f:
            json.dump({"models": [{"name": "m", "model": models + model, "engine": engine, "tokenizer": "bytes"}],
                       "tasks": ["xcopa", "bpb_flores"], "langs": ["th", "arb_Arab"], "limit": 24}, f)
        run([exe, "run", "--config", config, "--data-dir", source + "/datasets", "--out", f"{work}/{side}",
             "--progress", "never"])
    page = f"{work}/page"
    run([exe, "review", f"{work}/base", f"{work}/new", "--out", page])
    review = json.load(open(page + "/review.json"))
    flipped = [i for lang in review["languages"] for i in lang["flipped"]]
    if not flipped:
        fail("no flipped items between the two runs")

    downloads = f"{work}/downloads"
    os.makedirs(downloads)
    b = Browser(chromium, f"{work}/profile")
    try:
        b.call("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
        # as_uri: the checkout's path may hold spaces and non-ASCII letters.
        url = pathlib.Path(page, "index.html").resolve().as_uri()
        target = b.call("Target.createTarget", {"url": url})
        session = b.call("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True})["sessionId"]

        def js(expr):
            r = b.call("Runtime.evaluate", {"expression": expr, "returnByValue": True}, session)
            if "exceptionDetails" in r:
                fail(f"{expr}: {r['exceptionDetails']}")
            return r["result"].get("value")

        def wait_for(expr, expected, what, seconds=20):
            # Input events and rendering run in the browser's own time; a busy machine delays them.
            deadline = time.time() + seconds
            while js(expr) != expected:
                if time.time() > deadline:
                    fail(f"{what} (got {js(expr)!r}; keys the page saw: {js('window.keyLog || null')})")
                time.sleep(0.05)

        # The new target starts on about:blank, which is "complete" too: wait
        # for the review page itself, or what is set up below lands on a
        # document the navigation then throws away.
        # (Compared by content, not by URL: the URL's escaping of an unusual
        # checkout path is Chromium's business.)
        wait_for("location.protocol === 'file:' && document.readyState === 'complete' && "
                 "document.querySelectorAll('article.item').length > 0", True, "the review page did not load")
        # Keys go to the focused page; a headless window is not focused by itself.
        b.call("Emulation.setFocusEmulationEnabled", {"enabled": True}, session)
        b.call("Page.bringToFront", {}, session)

        def key(k, code, vk):
            for t in ("keyDown", "keyUp"):
                text = k if t == "keyDown" and len(k) == 1 else ""  # Shift types nothing
                b.call("Input.dispatchKeyEvent",
                       {"type": t, "key": k, "code": code, "text": text, "windowsVirtualKeyCode": vk}, session)

        # Until the page has taken focus, key events go nowhere: press Shift
        # (which the page ignores) until one arrives. Every keydown is logged
        # with where it landed, so a failure says what the page saw.
        js("window.keyLog = []; document.addEventListener('keydown', e => { window.keyLog.push("
           "e.key + '@' + e.target.tagName); }, true)")
        deadline = time.time() + 20
        while not js("window.keyLog.length"):
            if time.time() > deadline:
                fail("the page never received a key event")
            key("Shift", "ShiftLeft", 16)
            time.sleep(0.05)

        def press_until_seen(k, code, vk):
            # A loaded machine can drop a key while focus settles: press again
            # until the page logs it.
            for attempt in range(10):
                key(k, code, vk)
                deadline = time.time() + 3
                while time.time() < deadline:
                    if any(e.startswith(k + "@") for e in js("window.keyLog")):
                        return
                    time.sleep(0.05)
            fail(f"the page never received {k!r}; it saw {js('window.keyLog')}")

        # The keyboard path: j to the first item, 2 = data_error, c to its comment, type.
        # Each j moves one item on, so the item to expect is the j-th.
        items = "Array.from(document.querySelectorAll('article.item'))"
        js_focused_item = f"{items}.indexOf(document.activeElement)"
        js_is_jth = (f"{js_focused_item} === Math.min(window.keyLog.filter(e => e.startsWith('j@')).length, "
                     f"{items}.length) - 1")
        press_until_seen("j", "KeyJ", 74)
        wait_for(js_is_jth, True, "j did not focus the item after the one it started on")
        at = js(js_focused_item)
        item = f"{items}[{at}]"
        key("2", "Digit2", 50)
        wait_for(f"{item}.querySelector('.item-verdict').value", "data_error",
                 "key 2 did not set data_error")
        first = js(f"(() => {{ const p = {item}.querySelector('p.controls');"
                   " return {task: p.dataset.task, hash: p.dataset.hash}; })()")
        key("c", "KeyC", 67)
        wait_for("document.activeElement.className", "item-comment", "c did not focus the comment")
        b.call("Input.insertText", {"text": "คำแปลผิด"}, session)
        js("document.getElementById('reviewer').value = 'สมชาย'")
        # A language verdict through its select, as a reviewer picks it.
        js("(() => { const s = document.querySelector('select[name=verdict]'); s.value = 'worse';"
           " s.dispatchEvent(new Event('change')); })()")
        js("document.getElementById('save-items').click()")
        js("document.getElementById('save').click()")

        wanted = [downloads + "/item_verdicts.jsonl", downloads + "/verdicts.json"]
        deadline = time.time() + 20
        while not all(os.path.exists(w) and os.path.getsize(w) > 0 for w in wanted):
            if time.time() > deadline:
                fail(f"downloads missing: {os.listdir(downloads)}")
            time.sleep(0.1)
        time.sleep(0.3)  # let the files be complete
    finally:
        b.close()

    lines = [json.loads(l) for l in open(downloads + "/item_verdicts.jsonl", encoding="utf-8") if l.strip()]
    if len(lines) != 1:
        fail(f"expected one item verdict, got {lines}")
    v = lines[0]
    expected = {"task": first["task"], "doc_hash": first["hash"], "verdict": "data_error", "comment": "คำแปลผิด",
                "reviewer": "สมชาย"}
    for k, x in expected.items():
        if v.get(k) != x:
            fail(f"item verdict {k}: {v.get(k)!r}, expected {x!r}")
    lang_verdicts = json.load(open(downloads + "/verdicts.json", encoding="utf-8"))
    if [x["verdict"] for x in lang_verdicts.values()] != ["worse"]:
        fail(f"language verdicts: {lang_verdicts}")

    # Saved into the folder and rendered again: shown, and exported as an erratum.
    shutil.copy(downloads + "/item_verdicts.jsonl", page)
    shutil.copy(downloads + "/verdicts.json", page)
    run([exe, "review", f"{work}/base", f"{work}/new", "--out", page])
    html = open(page + "/index.html", encoding="utf-8").read()
    if "คำแปลผิด" not in html or "<option selected>data_error</option>" not in html:
        fail("the re-rendered page does not show the verdict")
    errata = [json.loads(l) for l in open(page + "/errata.jsonl", encoding="utf-8") if l.strip()]
    if len(errata) != 1 or errata[0]["doc_hash"] != first["hash"] or "doc" not in errata[0]:
        fail(f"errata.jsonl: {errata}")
    print("review page: keyboard verdict downloaded, re-rendered and exported to errata.jsonl")
    return 0


if __name__ == "__main__":
    sys.exit(main())
