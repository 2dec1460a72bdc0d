#!/usr/bin/env python3
"""A real `rwkvbench run` (two models, three tasks) killed with SIGKILL at
random moments across its life -- while loading, scoring, journaling and
writing the report -- and resumed each time, must end with the same metrics
and the same per-example records as an uninterrupted run.

usage: kill_resume_test.py RWKVBENCH WORK_DIR [KILLS]
"""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

SOURCE = os.environ.get("RWKVBENCH_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_config(work):
    models = os.path.join(SOURCE, "tests", "data", "models")
    config = {
        "models": [
            {"name": "rwkv", "model": os.path.join(models, "rwkv4-tiny", "rwkv4-tiny-660K-f32.pth"),
             "engine": "rwkv4-serial", "tokenizer": "bytes"},
            {"name": "neox", "model": os.path.join(models, "gptneox-tiny"), "engine": "transformer", "tokenizer": "bytes"},
        ],
        "tasks": [{"task": "lambada_openai", "limit": 40}, {"task": "xcopa", "limit": 15}, {"task": "bpb_flores", "limit": 10}],
        "langs": ["it", "th", "eng_Latn", "tha_Thai"],
    }
    path = os.path.join(work, "run.json")
    with open(path, "w") as f:
        json.dump(config, f)
    return path


def command(exe, config, out, resume):
    return [exe, "run", "--config", config, "--out", out, "--progress", "never"] + (["--resume"] if resume else [])


def outcome(out):
    """Metrics and per-example records, without what may differ between runs (times, dates, argv)."""
    with open(os.path.join(out, "report.json")) as f:
        report = json.load(f)
    metrics = sorted((r["task"], r["model"], r["metric"], r.get("language", ""), r["value"], r["stderr"], r["n"])
                     for r in report["results"])
    records = {}
    for line in open(os.path.join(out, "journal.jsonl")):
        r = json.loads(line)
        records[(r["task"], r["model"], r["example"])] = r
    return metrics, records


def main():
    exe, work = sys.argv[1], sys.argv[2]
    kills = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    config = run_config(work)
    env = dict(os.environ)

    start = time.monotonic()
    whole = os.path.join(work, "whole")
    subprocess.run(command(exe, config, whole, False), check=True, env=env, stdout=subprocess.DEVNULL)
    duration = time.monotonic() - start
    print(f"uninterrupted run: {duration:.2f} s")

    # What every start costs before new work (plan, hashes, loading) and after
    # it (the report and charts): a resume of the finished run.
    start = time.monotonic()
    subprocess.run(command(exe, config, whole, True), check=True, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    overhead = time.monotonic() - start

    # Kill moments spread over the run's whole life: each start runs for its
    # fixed costs plus the next slice of the work, so progress moves on from
    # kill to kill and the last ones fall in the report writing.
    rng = random.Random(20261128)
    moments = sorted(rng.uniform(0.0, 1.05 * duration) for _ in range(kills))
    killed = os.path.join(work, "killed")
    previous, resume = 0.0, False
    for i, moment in enumerate(moments):
        run_for = (moment - previous) + (overhead * rng.uniform(0.2, 0.9) if resume else 0.0)
        previous = moment
        p = subprocess.Popen(command(exe, config, killed, resume), env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        try:
            _, err = p.communicate(timeout=run_for)
            state = f"finished (exit {p.returncode})"
            if p.returncode != 0:
                print(err.decode(errors="replace"), file=sys.stderr)
                return 1
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGKILL)
            p.communicate()
            state = "killed"
        done = sum(1 for _ in open(os.path.join(killed, "journal.jsonl"))) if os.path.exists(
            os.path.join(killed, "journal.jsonl")) else 0
        print(f"start {i + 1}: ran {run_for:.2f} s: {state}, {done} examples journaled")
        resume = True
    subprocess.run(command(exe, config, killed, True), check=True, env=env, stdout=subprocess.DEVNULL)

    want, got = outcome(whole), outcome(killed)
    if want[0] != got[0]:
        print("metrics differ:", [m for m in want[0] if m not in got[0]][:5], file=sys.stderr)
        return 1
    if want[1] != got[1]:
        missing = [k for k in want[1] if k not in got[1]]
        changed = [k for k in want[1] if k in got[1] and want[1][k] != got[1][k]]
        print(f"records differ: {len(missing)} missing, {len(changed)} changed, e.g. {(missing + changed)[:3]}",
              file=sys.stderr)
        return 1
    print(f"identical: {len(want[0])} metrics, {len(want[1])} per-example records")
    return 0


if __name__ == "__main__":
    sys.exit(main())
