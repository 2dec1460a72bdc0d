#include "datasets/manifest.h"

#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <map>

#include "harness/errors.h"
#include "harness/json_file.h"
#include "harness/sha256.h"

namespace datasets {
namespace {

namespace fs = std::filesystem;

// The sha256 a manifest records for `relative`, or "" when it does not list it.
std::string listed_sha256(const nlohmann::json& m, const std::string& relative) {
    if (!m.contains("files")) return "";
    const nlohmann::json& files = m.at("files");
    if (files.is_array()) {
        for (const auto& f : files) {
            if (!f.is_object()) continue;
            for (const char* key : {"path", "file"})
                if (f.contains(key) && f.at(key).is_string() && f.at(key).get<std::string>() == relative &&
                    f.contains("sha256"))
                    return f.at("sha256").get<std::string>();
        }
    } else if (files.is_object() && files.contains(relative)) {
        const auto& f = files.at(relative);
        if (f.is_object() && f.contains("sha256")) return f.at("sha256").get<std::string>();
    }
    return "";
}

}  // namespace

bool check_against_manifest(const std::string& path) {
    static std::mutex mutex;
    static std::map<std::string, bool> checked;  // file -> listed
    const fs::path file = fs::weakly_canonical(fs::path(path));
    {
        std::lock_guard lock(mutex);
        if (const auto it = checked.find(file.string()); it != checked.end()) return it->second;
    }
    bool listed = false;
    // Up to three folders up: flores200_devtest/devtest/x.devtest has its manifest one level above.
    fs::path dir = file.parent_path();
    for (int up = 0; up < 3 && !dir.empty(); ++up, dir = dir.parent_path()) {
        const fs::path manifest = dir / "MANIFEST.json";
        if (!fs::exists(manifest)) continue;
        const nlohmann::json m = harness::read_json_file(manifest.string());
        const std::string expected = harness::with_json_errors(
            manifest.string(), [&] { return listed_sha256(m, fs::relative(file, dir).generic_string()); });
        if (expected.empty()) continue;
        const std::string got = harness::sha256_file(file.string());
        if (got != expected)
            throw harness::input_error(path + ": sha256 " + got + " does not match " + expected + " in " +
                                       manifest.string() + " (the file was changed or damaged)");
        listed = true;
        break;
    }
    std::lock_guard lock(mutex);
    checked[file.string()] = listed;
    return listed;
}

}  // namespace datasets
