#!/usr/bin/env python3
"""rwkvbench under mpirun (Debian's OpenMPI), on this one machine.

- every rank joins the job and says so in `info --json`;
- `run` on 1, 2 and 3 ranks (3 oversubscribed on 2 cores), --threads 1, on
  LAMBADA, XCOPA and bpb_flores writes the results, samples/ and
  continuations/ of the plain run, byte for byte (same threads: bitwise);
  with other threads per engine (1 per rank by default against a plain run
  of 2) the results agree to 1e-6 relative (summation order);
- a rank killed mid-run stops the job; --resume with another world size
  (3 -> 2 ranks, 2 ranks -> a plain run) finishes it without redoing
  finished examples, and the report equals the plain run's;
- the scaling task under 2 ranks on one machine runs on rank 0 alone;
- a run folder one rank cannot see is exit 2 naming it; a failing rank ends
  the job with rwkvbench's exit code and names the rank.

usage: mpi_test.py MPIRUN RWKVBENCH SOURCE_DIR WORK_DIR
exit 0 pass, 1 fail."""
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import time


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def journal_lines(folder):
    return sum(read(f).count(b"\n") for f in glob.glob(folder + "/journal*.jsonl"))


def same_run(a, b, what):
    """The results and every per-example file of two run folders are equal."""
    ra, rb = (json.load(open(f"{d}/report.json")) for d in (a, b))
    if ra["results"] != rb["results"]:
        fail(f"{what}: the results differ from the plain run's")
    for sub in ("samples", "continuations"):
        fa = sorted(os.path.relpath(p, a) for p in glob.glob(f"{a}/{sub}/**/*.jsonl", recursive=True))
        fb = sorted(os.path.relpath(p, b) for p in glob.glob(f"{b}/{sub}/**/*.jsonl", recursive=True))
        if fa != fb or not fa:
            fail(f"{what}: {sub}/ holds {fa}, the plain run's {fb}")
        for f in fa:
            if read(f"{a}/{f}") != read(f"{b}/{f}"):
                fail(f"{what}: {f} differs from the plain run's")
    return ra


def main():
    mpirun = sys.argv[1]
    exe, source, work = (os.path.abspath(a) for a in sys.argv[2:5])
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1")

    def mpi(n, args, **kw):
        return subprocess.run([mpirun, "-np", str(n), exe] + args, capture_output=True, text=True, env=env, **kw)

    # info: one JSON object per rank (--tag-output: the ranks' lines interleave).
    r = subprocess.run([mpirun, "-np", "2", "--tag-output", exe, "info", "--json"], capture_output=True, text=True,
                       env=env)
    if r.returncode != 0:
        fail(f"mpirun info exited {r.returncode}: {r.stderr[-2000:]}")
    by_rank = {}
    for line in r.stdout.splitlines():
        tag, _, rest = line.partition("<stdout>:")
        by_rank[tag] = by_rank.get(tag, "") + rest + "\n"
    ranks = [json.loads(text)["mpi"] for text in by_rank.values()]
    if sorted(x["rank"] for x in ranks) != [0, 1] or any(x["size"] != 2 or not x["launched"] for x in ranks):
        fail(f"info under mpirun -np 2: {ranks}")

    # run on 1, 2 and 3 ranks: the plain run's results and per-example files.
    model = source + "/tests/data/models/rwkv4-tiny/rwkv4-tiny-660K-f32.pth"
    args = ["run", "--model", model, "--engine", "rwkv4-parallel", "--tokenizer", "bytes", "--task",
            "lambada_openai,xcopa,bpb_flores", "--langs", "it,et,tha_Thai,arb_Arab,eng_Latn", "--limit", "12",
            "--threads", "1", "--progress", "never", "--data-dir", source + "/datasets"]
    plain = subprocess.run([exe] + args + ["--out", work + "/plain"], capture_output=True, text=True)
    if plain.returncode != 0:
        fail(f"plain run exited {plain.returncode}: {plain.stderr[-2000:]}")
    examples = journal_lines(work + "/plain") - 3  # less the 3 continuations of bpb_flores
    for n in (1, 2, 3):
        r = mpi(n, args + ["--out", f"{work}/np{n}"])
        if r.returncode != 0:
            fail(f"mpirun -np {n} run exited {r.returncode}: {r.stderr[-2000:]}")
        report = same_run(f"{work}/np{n}", work + "/plain", f"-np {n}")
        p = report.get("processes")
        if n == 1:
            if p is not None:
                fail("a 1-rank run reports processes")
            continue
        if p["world_size"] != n or sorted(x["rank"] for x in p["ranks"]) != list(range(n)):
            fail(f"-np {n}: processes {p}")
        done = [x["examples"] for x in p["ranks"]]
        if sum(done) != examples or min(done) == 0:
            fail(f"-np {n}: ranks scored {done} examples, expected {examples} in all, shared")
        if sorted(os.path.basename(f) for f in glob.glob(f"{work}/np{n}/journal*.jsonl")) != \
                [f"journal.rank-{k}.jsonl" for k in range(n)]:
            fail(f"-np {n}: journals {glob.glob(f'{work}/np{n}/journal*')}")
        md, html = (open(f"{work}/np{n}/{f}").read() for f in ("report.md", "index.html"))
        if f"## Processes (MPI, {n} ranks)" not in md or f'href="journal.rank-{n - 1}.jsonl"' not in html:
            fail(f"-np {n}: report.md or index.html does not show the ranks and their journals")
        try:
            import jsonschema
            jsonschema.validate(report, json.load(open(source + "/reports/report.schema.json")))
        except ImportError:
            pass  # python3-jsonschema: the report_schema test says so

    # Other threads per engine (2 ranks of 1 thread each by default here, a plain run of 2): BLAS and our
    # loops sum in another order, so the results agree to rounding, not bitwise.
    r = mpi(2, [a for a in args if a not in ("--threads", "1")] + ["--out", work + "/np2-default"])
    two = subprocess.run([exe] + args[:args.index("--threads")] + ["--threads", "2"] +
                         args[args.index("--threads") + 2:] + ["--out", work + "/plain-2"], capture_output=True,
                         text=True)
    if r.returncode != 0 or two.returncode != 0:
        fail(f"default threads: exit {r.returncode}, plain --threads 2: exit {two.returncode}")
    ra, rb = (json.load(open(f"{work}/{d}/report.json")) for d in ("np2-default", "plain-2"))
    if [x["threads"] for x in ra["processes"]["ranks"]] != [1, 1]:
        fail(f"2 ranks on 2 cores should default to 1 thread each: {ra['processes']['ranks']}")
    for x, y in zip(ra["results"], rb["results"]):
        if (x["metric"], x.get("language")) != (y["metric"], y.get("language")) or \
                abs(x["value"] - y["value"]) > 1e-6 * max(abs(y["value"]), 1e-30):
            fail(f"1 thread per rank vs 2 threads: {x} vs {y}")

    # A rank killed mid-run stops the job; --resume with another world size finishes it.
    slow = ["--engine", "rwkv4-serial", "--limit", "40"]
    slow_args = [a for a in args]
    for i in range(0, len(slow), 2):
        slow_args[slow_args.index(slow[i]) + 1] = slow[i + 1]
    plain = subprocess.run([exe] + slow_args + ["--out", work + "/slow-plain"], capture_output=True, text=True)
    if plain.returncode != 0:
        fail(f"plain run exited {plain.returncode}: {plain.stderr[-2000:]}")
    total = journal_lines(work + "/slow-plain")
    for first, then in ((3, 2), (2, 0)):
        out = f"{work}/kill-{first}-{then}"
        job = subprocess.Popen([mpirun, "-np", str(first), exe] + slow_args + ["--out", out], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while journal_lines(out) < total // 4 if os.path.isdir(out) else True:
            if time.time() > deadline or job.poll() is not None:
                fail(f"the {first}-rank run to kill did not get going: {job.stderr.read()[-2000:]}")
            time.sleep(0.05)
        ranks = [int(p) for p in os.listdir("/proc") if p.isdigit() and
                 read_cmdline(p)[:1] == [exe] and out in read_cmdline(p)]
        if len(ranks) != first:
            fail(f"found {len(ranks)} rank processes of the {first}-rank run")
        os.kill(max(ranks), signal.SIGKILL)
        if job.wait(timeout=60) == 0:
            fail("mpirun exited 0 after one of its ranks was killed")
        done_before = journal_lines(out)
        if done_before >= total:
            fail("the killed run had finished")
        r = mpi(then, slow_args + ["--out", out, "--resume"]) if then else \
            subprocess.run([exe] + slow_args + ["--out", out, "--resume"], capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"--resume on {then or 'no'} ranks exited {r.returncode}: {r.stderr[-2000:]}")
        report = same_run(out, work + "/slow-plain", f"killed at {first} ranks, resumed on {then or 'no'} ranks")
        redone = journal_lines(out) - total
        if redone > first:  # at most the example each rank was on (its torn line is dropped, not counted)
            fail(f"the resume redid {redone} finished examples")
        if then and sum(x["examples"] for x in report["processes"]["ranks"]) > total - done_before + first:
            fail(f"the resumed ranks scored {report['processes']['ranks']}")

    # Scaling on 2 ranks of one machine: rank 0 alone times it.
    cfg = {"models": [{"name": "tiny", "model": model, "engine": "rwkv4-parallel", "tokenizer": "bytes"}],
           "tasks": [{"task": "scaling", "options": {"generate_tokens": 24, "repeats": 2, "prefill_lengths": [16, 32],
                                                     "report_contexts": [16]}}]}
    with open(work + "/scaling.json", "w") as f:
        json.dump(cfg, f)
    r = mpi(2, ["run", "--config", work + "/scaling.json", "--out", work + "/scaling", "--progress", "never"])
    if r.returncode != 0:
        fail(f"scaling under -np 2 exited {r.returncode}: {r.stderr[-2000:]}")
    p = json.load(open(work + "/scaling/report.json"))["processes"]
    if not p["scaling"].startswith("rank 0 on ") or os.path.getsize(work + "/scaling/journal.rank-1.jsonl") != 0 \
            or os.path.getsize(work + "/scaling/journal.rank-0.jsonl") == 0:
        fail(f"scaling under -np 2: {p}, journals {[(f, os.path.getsize(f)) for f in glob.glob(work + '/scaling/j*')]}")

    # A run folder rank 1 cannot see (its own working folder: as a machine without the shared filesystem).
    for d in ("a", "b"):
        os.makedirs(f"{work}/wd-{d}")
    r = subprocess.run([mpirun, "-np", "1", "-wdir", work + "/wd-a", exe] + args + ["--out", "run"] +
                       [":", "-np", "1", "-wdir", work + "/wd-b", exe] + args + ["--out", "run"],
                       capture_output=True, text=True, env=env)
    if r.returncode != 2 or "run: the run folder is not shared with" not in r.stderr or "(rank 1)" not in r.stderr:
        fail(f"a folder rank 1 cannot see: exit {r.returncode}: {r.stderr[-2000:]}")

    # A failing rank ends the job with rwkvbench's exit code, naming itself.
    r = mpi(2, ["run", "--model", work + "/missing.pth", "--engine", "rwkv4-parallel", "--tokenizer", "bytes",
                "--task", "lambada_openai", "--out", work + "/bad"])
    if r.returncode != 2:
        fail(f"a missing model under mpirun: exit {r.returncode}, expected 2: {r.stderr[-2000:]}")
    if "rank " not in r.stderr or "missing.pth" not in r.stderr:
        fail(f"the error does not name the rank and the file: {r.stderr[-2000:]}")
    print(f"mpi: info on every rank; -np 1/2/3 equal to the plain run ({examples} examples); killed runs resumed "
          "3->2 and 2->plain equal to it; scaling on rank 0 alone; an unshared folder and a failing rank exit 2")
    return 0


def read_cmdline(pid):
    try:
        return read(f"/proc/{pid}/cmdline").decode(errors="replace").split("\0")
    except OSError:
        return []


if __name__ == "__main__":
    sys.exit(main())
