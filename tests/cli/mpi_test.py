#!/usr/bin/env python3
"""rwkvbench under mpirun (Debian's OpenMPI), on this one machine:
every rank joins the job and says so in `info --json`; `run` on 2 ranks
writes the report and samples of a plain run (same threads: bitwise); a
failing rank ends the job with rwkvbench's exit code and names the rank.

usage: mpi_test.py MPIRUN RWKVBENCH SOURCE_DIR WORK_DIR
exit 0 pass, 1 fail."""
import json
import os
import shutil
import subprocess
import sys


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def main():
    mpirun = sys.argv[1]
    exe, source, work = (os.path.abspath(a) for a in sys.argv[2:5])
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1")

    def mpi(n, args):
        return subprocess.run([mpirun, "-np", str(n), exe] + args, capture_output=True, text=True, env=env)

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

    # run: the plain run's report and samples, with the same threads.
    model = source + "/tests/data/models/rwkv4-tiny/rwkv4-tiny-660K-f32.pth"
    args = ["run", "--model", model, "--engine", "rwkv4-parallel", "--tokenizer", "bytes", "--task",
            "lambada_openai,xcopa", "--langs", "it", "--limit", "6", "--threads", "1", "--progress", "never",
            "--data-dir", source + "/datasets"]
    r = mpi(2, args + ["--out", work + "/mpi"])
    if r.returncode != 0:
        fail(f"mpirun run exited {r.returncode}: {r.stderr[-2000:]}")
    plain = subprocess.run([exe] + args + ["--out", work + "/plain"], capture_output=True, text=True)
    if plain.returncode != 0:
        fail(f"plain run exited {plain.returncode}: {plain.stderr[-2000:]}")
    results = [json.load(open(f"{work}/{d}/report.json"))["results"] for d in ("mpi", "plain")]
    if results[0] != results[1]:
        fail("the 2-rank run's results differ from the plain run's")
    for task in ("lambada_openai", "xcopa"):
        a = sorted(os.listdir(f"{work}/mpi/samples/{task}"))
        b = sorted(os.listdir(f"{work}/plain/samples/{task}"))
        if a != b or any(open(f"{work}/mpi/samples/{task}/{f}", "rb").read() !=
                         open(f"{work}/plain/samples/{task}/{f}", "rb").read() for f in a):
            fail(f"samples/{task} differ")

    # A failing rank ends the job with rwkvbench's exit code, naming itself.
    r = mpi(2, ["run", "--model", work + "/missing.pth", "--engine", "rwkv4-parallel", "--tokenizer", "bytes",
                "--task", "lambada_openai", "--out", work + "/bad"])
    if r.returncode != 2:
        fail(f"a missing model under mpirun: exit {r.returncode}, expected 2: {r.stderr[-2000:]}")
    if "rank 0 (" not in r.stderr or "missing.pth" not in r.stderr:
        fail(f"the error does not name the rank and the file: {r.stderr[-2000:]}")
    print("mpi: info on every rank, run equal to a plain run, a failing rank ends the job with exit 2")
    return 0


if __name__ == "__main__":
    sys.exit(main())
