#include "tasks/run_manifest.h"

#include <filesystem>

#include "engines/model_info.h"
#include "engines/model_file.h"
#include "harness/atomic_file.h"
#include "harness/build_info.h"
#include "harness/errors.h"
#include "harness/json_file.h"
#include "harness/sha256.h"

namespace tasks {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr int manifest_version = 1;

// The SHA-256 of the files a model spec reads, by role (not by path: a run
// may resume from another mount point).
json model_files(const std::string& spec, std::uint64_t seed) {
    if (spec.rfind("random:", 0) == 0) return {{"random", spec}, {"seed", seed}};
    const engines::model_source s = engines::open_model(spec);
    json files = {{"weights_sha256", harness::sha256_file(s.file->path())}};
    if (!s.config_path.empty()) files["config_sha256"] = harness::sha256_file(s.config_path);
    return files;
}

json tokenizer_file(const std::string& spec) {
    if (spec == "bytes") return spec;
    return {{"sha256", harness::sha256_file(spec)}};
}

void differences(const json& a, const json& b, const std::string& at, std::vector<std::string>& out, std::size_t most) {
    if (out.size() >= most) return;
    const auto show = [](const json& v) {
        std::string s = v.is_null() ? std::string("(absent)") : v.dump();
        return s.size() > 80 ? s.substr(0, 77) + "..." : s;
    };
    if (a.is_object() && b.is_object()) {
        for (const auto& [k, v] : a.items())
            differences(v, b.contains(k) ? b.at(k) : json(), at.empty() ? k : at + "." + k, out, most);
        for (const auto& [k, v] : b.items())
            if (!a.contains(k)) differences(json(), v, at.empty() ? k : at + "." + k, out, most);
    } else if (a.is_array() && b.is_array() && a.size() == b.size()) {
        for (std::size_t i = 0; i < a.size(); ++i) differences(a[i], b[i], at + "[" + std::to_string(i) + "]", out, most);
    } else if (a != b) {
        out.push_back(at + ": " + show(a) + " in the run, " + show(b) + " now");
    }
}

}  // namespace

json run_fingerprint(const run_config& c, const std::vector<reports::task_record>& planned_tasks) {
    json models = json::array();
    for (const auto& m : c.models)
        models.push_back({{"name", m.name},
                          {"engine", m.spec.engine},
                          {"dtype", engines::dtype_spelling(m.spec.dtype)},
                          {"attention", std::string(kernels::attention_variant_name(m.spec.attention))},
                          {"no_cache", m.spec.no_cache},
                          {"files", model_files(m.spec.model, c.seed)},
                          {"tokenizer", tokenizer_file(m.spec.tokenizer)}});
    json tasks = json::array();
    for (const auto& t : planned_tasks) {
        json x = t;  // the report's record, less the scorer: the definition already names it
        x.erase("scorer");
        tasks.push_back(std::move(x));
    }
    json fingerprint = {{"models", models}, {"tasks", tasks},     {"no_pad", c.no_pad},
                        {"seed", c.seed},   {"device", c.device}, {"batch_size", c.batch_size}};
    // Only when set, so that the journals of runs before the option still resume.
    if (c.int8_activations) fingerprint["int8_activations"] = true;
    return fingerprint;
}

std::vector<std::string> fingerprint_differences(const json& was, const json& now, std::size_t most) {
    std::vector<std::string> out;
    differences(was, now, "", out, most);
    return out;
}

void write_manifest(const std::string& out_dir, const json& fingerprint) {
    const auto& b = harness::get_build_info();
    const json manifest = {{"manifest_version", manifest_version},
                           {"fingerprint_sha256", harness::sha256_hex(fingerprint.dump())},
                           {"fingerprint", fingerprint},
                           {"journals", "journal*.jsonl"},
                           {"rwkvbench_version", b.version},
                           {"git_commit", b.git_commit}};
    harness::write_file_atomically(out_dir + "/manifest.json", manifest.dump(2) + "\n");
}

void check_manifest(const std::string& out_dir, const json& fingerprint, std::string* note) {
    const std::string path = out_dir + "/manifest.json";
    if (!fs::exists(path)) {
        // Killed before it was written, or a run from before manifests: what
        // is there cannot be checked, but from now on it can.
        if (note) *note = path + " is missing: resuming without checking what the run was, and writing it now";
        write_manifest(out_dir, fingerprint);
        return;
    }
    const json manifest = harness::read_json_file(path);
    harness::with_json_errors(path, [&] {
        if (manifest.at("manifest_version").get<int>() > manifest_version)
            throw harness::input_error(path + ": written by a newer rwkvbench (manifest_version " +
                                       manifest.at("manifest_version").dump() + ")");
        const auto diff = fingerprint_differences(manifest.at("fingerprint"), fingerprint);
        if (diff.empty()) return;
        std::string what;
        for (const auto& d : diff) what += (what.empty() ? "" : "; ") + d;
        throw harness::input_error(path + ": --resume would mix two runs (" + what +
                                   "): use another --out for the new run, or resume with the run's own settings");
    });
}

}  // namespace tasks
