#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/ (checked in; rerun after a
format changes). Seeds are small valid files, so the fuzzers start deep in
each parser: one tiny RWKV-4 (1 layer, 2 channels, a vocabulary of 3) as
.safetensors, rwkv.cpp .bin and .pth (written without torch: the pickle
names torch's globals through stand-in modules, as torch.save does), and
copies or excerpts of the shipped JSON, vocabulary and dataset files.

The report/ seed and journal/run.jsonl come from a real run of the tiny
model (LAMBADA, XCOPA and a short scaling sweep): give the executable to
remake them.

Usage: python3 tests/fuzz/make_seeds.py [build/harness/cli/rwkvbench]
"""
import collections
import io
import json
import os
import pickle
import shutil
import struct
import subprocess
import sys
import tempfile
import types
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")

C, V, F = 2, 3, 4
def rwkv4_tensors():
    t = collections.OrderedDict()
    t["emb.weight"] = [V, C]
    for p in ("blocks.0.ln0", "blocks.0.ln1", "blocks.0.ln2", "ln_out"):
        t[p + ".weight"] = [C]
        t[p + ".bias"] = [C]
    a = "blocks.0.att."
    t[a + "time_decay"] = [C]
    t[a + "time_first"] = [C]
    for m in ("k", "v", "r"):
        t[a + "time_mix_" + m] = [1, 1, C]
    for w in ("key", "value", "receptance", "output"):
        t[a + w + ".weight"] = [C, C]
    f = "blocks.0.ffn."
    t[f + "time_mix_k"] = [1, 1, C]
    t[f + "time_mix_r"] = [1, 1, C]
    t[f + "key.weight"] = [F, C]
    t[f + "receptance.weight"] = [C, C]
    t[f + "value.weight"] = [C, F]
    t["head.weight"] = [V, C]
    return t

def numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n

def values(n, k):
    return [((i * 7 + k * 3) % 11 - 5) / 8.0 for i in range(n)]

def safetensors_bytes(tensors):
    header, data = {}, b""
    for k, (name, shape) in enumerate(tensors.items()):
        raw = struct.pack("<%df" % numel(shape), *values(numel(shape), k))
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(h)) + h + data

def rwkvcpp_bin(tensors):
    out = struct.pack("<6i", 0x67676D66, 101, V, C, 1, 0)
    for k, (name, shape) in enumerate(tensors.items()):
        key = name.encode()
        out += struct.pack("<3i", len(shape), len(key), 0)
        out += struct.pack("<%di" % len(shape), *reversed(shape)) + key
        out += struct.pack("<%df" % numel(shape), *values(numel(shape), k))
    return out

# rwkv.cpp's block formats (type id, bytes per 32 weights): one tensor of
# each, rows of 32 or 64 weights, fp16 scales 1/64 and offsets -1/4.
QUANT = [(2, 18, "Q4_0"), (3, 20, "Q4_1"), (7, 22, "Q5_0"), (8, 24, "Q5_1"), (9, 34, "Q8_0")]

def rwkvcpp_quantized_bin():
    out = struct.pack("<6i", 0x67676D66, 101, V, 32, 1, 9)
    for k, (type_id, block, name) in enumerate(QUANT):
        key = ("blocks.0.%s.weight" % name.lower()).encode()
        rows, cols = 2, 32 * (1 + k % 2)
        out += struct.pack("<3i", 2, len(key), type_id) + struct.pack("<2i", cols, rows) + key
        for b in range(rows * cols // 32):
            data = struct.pack("<e", 1 / 64) + (struct.pack("<e", -0.25) if type_id in (3, 8) else b"")
            out += data + bytes((b * 37 + i * 11) % 256 for i in range(block - len(data)))
    return out

def pth_bytes(tensors):
    # Stand-ins for torch's globals: the pickle names them by module and
    # qualified name only, which is all rwkvbench's unpickler reads.
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")
    class FloatStorage:
        pass
    FloatStorage.__module__, FloatStorage.__qualname__ = "torch", "FloatStorage"
    def _rebuild_tensor_v2(*args):
        pass
    _rebuild_tensor_v2.__module__, _rebuild_tensor_v2.__qualname__ = "torch._utils", "_rebuild_tensor_v2"
    torch.FloatStorage, utils._rebuild_tensor_v2, torch._utils = FloatStorage, _rebuild_tensor_v2, utils
    sys.modules["torch"], sys.modules["torch._utils"] = torch, utils

    class Storage:
        def __init__(self, key, n):
            self.key, self.n = key, n
    class Tensor:
        def __init__(self, storage, shape):
            self.storage, self.shape = storage, shape
        def __reduce__(self):
            stride, s = [], 1
            for d in reversed(self.shape):
                stride.insert(0, s)
                s *= d
            return (_rebuild_tensor_v2, (self.storage, 0, tuple(self.shape), tuple(stride), False,
                                         collections.OrderedDict()))
    class Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, Storage):
                return ("storage", FloatStorage, obj.key, "cpu", obj.n)
            return None

    state, blobs = {}, {}
    for k, (name, shape) in enumerate(tensors.items()):
        st = Storage(str(k), numel(shape))
        blobs[st.key] = struct.pack("<%df" % numel(shape), *values(numel(shape), k))
        state[name] = Tensor(st, shape)
    pkl = io.BytesIO()
    Pickler(pkl, protocol=2).dump(state)
    zbuf = io.BytesIO()
    def entry(name):  # a fixed date: the same bytes on every run
        return zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_STORED) as z:
        z.writestr(entry("tiny/data.pkl"), pkl.getvalue())
        for key, blob in blobs.items():
            z.writestr(entry("tiny/data/" + key), blob)
        z.writestr(entry("tiny/version"), "3\n")
    return zbuf.getvalue()

def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

def head(path, n_bytes=None, n_lines=None):
    with open(os.path.join(ROOT, path), "rb") as f:
        data = f.read()
    if n_lines is not None:
        data = b"".join(data.splitlines(keepends=True)[:n_lines])
    return data[:n_bytes] if n_bytes else data

def main():
    t = rwkv4_tensors()
    write("checkpoint", "tiny.safetensors", safetensors_bytes(t))
    write("checkpoint", "tiny-fp32.bin", rwkvcpp_bin(t))
    write("checkpoint", "quantized.bin", rwkvcpp_quantized_bin())
    write("checkpoint", "tiny.pth", pth_bytes(t))
    for name in ("gptneox-tiny", "gpt2-tiny"):
        write("hf_config", name + ".json", head("tests/data/models/%s/config.json" % name))
    write("tokenizer_json", "tiny.json", json.dumps({
        "version": "1.0", "added_tokens": [{"id": 5, "content": "<|endoftext|>", "special": True}],
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "decoder": {"type": "ByteLevel"},
        "model": {"type": "BPE", "vocab": {"H": 0, "e": 1, "He": 2, "l": 3, "o": 4}, "merges": ["H e"]}}))
    write("world_vocab", "head.txt", head("datasets/tokenizers/rwkv_vocab_v20230424.txt", n_lines=300) +
          head("datasets/tokenizers/rwkv_vocab_v20230424.txt")[-2000:].split(b"\n", 1)[1])
    for name in ("lambada_openai", "xcopa", "bpb_udhr", "scaling"):
        write("task_definition", name + ".json", head("tasks/definitions/%s.json" % name))
    write("run_config", "default.json", head("tasks/suites/default.json"))
    # dataset_files: the first byte picks the reader (dataset_files_fuzz.cpp).
    for selector, path in ((0, "datasets/lambada_openai/lambada_test.jsonl"), (1, "datasets/xcopa/test.it.jsonl"),
                           (2, "datasets/xstorycloze/spring2016.val.en.tsv.split_20_80_eval.tsv"),
                           (3, "datasets/xwinograd/dataset.tsv"), (4, "datasets/pawsx/dev-de.tsv"),
                           (7, "datasets/udhr/txt/udhr_amh.txt")):
        write("dataset_files", "%d-%s" % (selector, os.path.basename(path)), bytes([selector]) + head(path, n_lines=4))
    write("dataset_files", "5-xnli.tsv", bytes([5]) + b"A man walks.\tSomeone moves.\tentailment\n")
    write("dataset_files", "6-choices.jsonl", bytes([6]) + b'{"id":"1","context":"Sky is","choices":[" blue"," red"],"gold":0}\n')
    write("token_ids", "ids.txt", "187 510 3158\n  0 50276\n")
    write("journal", "journal.jsonl",
          '{"task":"xcopa","model":"m","example":"it:1","language":"it","logprobs":[-1.5,-2.0],"bytes":[3.0,4.0],"gold":0}\n'
          '{"task":"lambada_openai","model":"m","example":"7","logprob":-3.5,"greedy":true,"n_tokens":2}\n')
    write("verdicts", "verdicts.json", json.dumps({"eng_Latn": {"verdict": "ok", "comment": "fine", "reviewer": "a",
                                                               "date": "2026-01-01"}}))
    write("item_verdicts", "item_verdicts.jsonl",
          json.dumps({"task": "xcopa", "doc_hash": "ab12", "verdict": "data_error", "comment": "คำแปลผิด",
                      "reviewer": "ليلى", "date": "2026-11-28", "language": "th", "model": "m", "doc_id": 3},
                     ensure_ascii=False) + "\n" + json.dumps({"task": "bpb_flores", "doc_hash": "cd", "verdict": "fine"}) + "\n")
    write("gate_config", "gate.json", head("ci/gate.json"))
    if len(sys.argv) > 1:
        run_seeds(os.path.abspath(sys.argv[1]))
    print("make_seeds.py: wrote", OUT)

def run_seeds(exe):
    tmp = tempfile.mkdtemp()
    try:
        config = {"models": [{"name": "tiny", "engine": "rwkv4-parallel", "tokenizer": "bytes",
                              "model": os.path.join(ROOT, "tests/data/models/rwkv4-tiny/rwkv4-tiny-660K-f32.pth")}],
                  "tasks": [{"task": "lambada_openai", "limit": 2}, {"task": "xcopa", "limit": 1},
                            {"task": "scaling", "options": {"prompt_tokens": 4, "generate_tokens": 6, "repeats": 2,
                                                            "warmup_tokens": 1, "prefill_lengths": [4, 8],
                                                            "report_contexts": [8]}}]}
        with open(os.path.join(tmp, "run.json"), "w") as f:
            json.dump(config, f)
        subprocess.run([exe, "run", "--config", os.path.join(tmp, "run.json"), "--langs", "it", "--progress", "never",
                        "--out", os.path.join(tmp, "out")], check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(tmp, "out", "report.json")) as f:
            report = json.load(f)
        report["context"]["argv"] = ["rwkvbench", "run"]  # no paths of the machine that made it
        report["config"]["config_file"], report["config"]["data_dir"] = "run.json", "datasets"
        for m in report["models"]:
            m["model"] = os.path.basename(m["model"])
        write("report", "run.json", json.dumps(report, separators=(",", ":")))
        shutil.copy(os.path.join(tmp, "out", "journal.jsonl"), os.path.join(OUT, "journal", "run.jsonl"))
    finally:
        shutil.rmtree(tmp)

main()
