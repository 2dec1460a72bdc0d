#!/usr/bin/env python3
"""Every kind of report rwkvbench writes validates against reports/report.schema.json.

Runs `rwkvbench run` on the tiny test models with every task kind (small
limits), then validates report.json with python3-jsonschema (Draft 7).
Exit 77 (ctest: skipped) when jsonschema is not installed.

usage: validate_schema.py RWKVBENCH SCHEMA TEST_DATA OUT_DIR
"""
import json
import os
import shutil
import subprocess
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema not installed: skipped")
    sys.exit(77)

rwkvbench, schema_path, test_data, out = (os.path.abspath(a) for a in sys.argv[1:5])
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)
run = {
    "models": [
        {"name": "rwkv", "model": f"{test_data}/models/rwkv4-synth/rwkv4-synth-3x64-f32.pth",
         "engine": "rwkv4-parallel", "tokenizer": "bytes"},
        {"name": "neox", "model": f"{test_data}/models/gptneox-tiny", "engine": "transformer",
         "tokenizer": "bytes", "attention": "fused"},
        {"name": "neox no cache", "model": f"{test_data}/models/gptneox-tiny", "engine": "transformer",
         "tokenizer": "bytes", "no_cache": True},
    ],
    "tasks": ["lambada_openai", "wikitext2", "bpb_flores", "bpb_udhr", "xcopa", "xstorycloze", "xwinograd", "pawsx",
              {"task": "scaling", "options": {"prompt_tokens": 4, "generate_tokens": 6, "repeats": 2,
                                              "warmup_tokens": 1, "prefill_lengths": [4, 8], "report_contexts": [8]}},
              {"task": "scaling_depth", "options": {"depths": [0, 8, 16, 32], "decode_tokens": 2, "repeats": 2,
                                                    "warmup_tokens": 1, "prefill_chunk": 5, "max_depth_no_cache": 8,
                                                    "reference_depth": 8}}],
    "limit": 2,
    "langs": ["eng_Latn", "eng", "en", "it", "jp"],
}
with open(f"{out}/run.json", "w") as f:
    json.dump(run, f)
proc = subprocess.run([rwkvbench, "run", "--config", f"{out}/run.json", "--out", f"{out}/run", "--progress", "never"],
                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
if proc.returncode != 0:
    print(proc.stderr)
    sys.exit(1)
with open(schema_path) as f:
    schema = json.load(f)
jsonschema.Draft7Validator.check_schema(schema)
with open(f"{out}/run/report.json") as f:
    report = json.load(f)
errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(report), key=lambda e: list(e.path))
for e in errors:
    print(f"report.json: {'/'.join(str(p) for p in e.path)}: {e.message}")
kinds = {r["metric"] for r in report["results"]}
expected = {"acc", "ppl", "bits_per_byte", "token_perplexity", "tokens_per_byte", "acc_norm", "ms_per_token",
            "tokens_per_s", "growth_exponent", "prefill_tokens_per_s", "latency_growth"}
series_kinds = {s["kind"] for s in report["series"]}
if series_kinds != {"generation", "prefill", "depth"}:
    print("report lacks series kinds:", sorted({"generation", "prefill", "depth"} - series_kinds))
    sys.exit(1)
if not expected <= kinds:
    print("report lacks metrics:", sorted(expected - kinds))
    sys.exit(1)
print(f"report.json valid: {len(report['results'])} results, {len(report['series'])} series")
sys.exit(1 if errors else 0)
