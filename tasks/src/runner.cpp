#include "tasks/runner.h"

#include <ctime>
#include <filesystem>
#include <iostream>

#include "engines/registry.h"
#include "harness/atomic_file.h"
#include "harness/build_info.h"
#include "harness/cpu_features.h"
#include "harness/errors.h"
#include "harness/json_file.h"
#include "harness/run_lock.h"
#include "harness/timing.h"
#include "kernels/backend.h"
#include "task_context.h"
#include "datasets/data_folders.h"
#include "tasks/request.h"
#include "tasks/scorer_registry.h"
#include "reports/report_model.h"
#include "tasks/run_manifest.h"
#include "harness/mpi_world.h"
#include "rank_work.h"

namespace tasks {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// A task as the run will do it: its definition (with overrides), its
// scorer, the models it runs on, its limit, and its requests, built once.
struct planned_task {
    task_definition def;
    const scorer_entry* scorer = nullptr;
    std::vector<std::string> models;  // empty: every model
    std::optional<std::size_t> limit;
    task_requests built;
    std::string request_hash;
};

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
}

reports::provenance_record provenance(const run_config& c) {
    const auto& b = harness::get_build_info();
    const auto& f = harness::detect_cpu_features();
    const std::time_t now = std::time(nullptr);
    char date[32];
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    std::string gpu;
    if (c.device == "cuda")
        for (const auto& d : kernels::cuda_devices()) gpu += (gpu.empty() ? "" : ", ") + d.name;
    reports::provenance_record p;
    p.rwkvbench_version = b.version, p.git_commit = b.git_commit, p.build_type = b.build_type, p.compiler = b.compiler;
    p.cuda = b.cuda_enabled ? b.cuda_version : "", p.cuda_driver = kernels::cuda_driver_version(), p.gpu = gpu;
    p.cpu = f.model_name, p.cpu_features = f.summary(), p.blas = kernels::blas_description();
    p.threads = kernels::cpu_thread_count(), p.date = date, p.argv = c.argv;
    return p;
}

// Expands groups, applies --no-pad, builds each task's requests (reading
// its data once) and pins them. A per-language task without any of the
// wanted languages is an error when named on its own and skipped with a
// note within a group; wanted codes a task's data lacks are named.
std::vector<planned_task> plan(const run_config& c, task_catalog& catalog,
                               std::vector<reports::skipped_task>& skipped) {
    std::vector<planned_task> out;
    const datasets::data_folders folders(c.data_dir, datasets::shipped_data_dir());
    for (const task_request& req : c.tasks) {
        const bool group = catalog.is_group(req.task);
        for (std::string name : catalog.expand({req.task})) {
            if (c.no_pad && name == "lambada_openai") name = "lambada_openai_nopad";
            planned_task p{with_options(catalog.task(name), req.options), nullptr, req.models, std::nullopt, {}, ""};
            p.scorer = find_scorer(p.def.scorer);
            if (p.scorer->has_examples) {
                p.limit = effective_limit(c, req);
            } else if (req.limit) {
                throw harness::input_error((req.where.empty() ? "task " + name : req.where) + ": limit: " + name +
                                           " has no examples to limit (a " + p.def.scorer + " task)");
            }
            p.built =
                build_requests(p.def, {folders, c.data_file, c.langs, p.limit, c.batch_size * batch_examples_per_row});
            if (p.def.per_language()) {
                if (p.built.languages.empty()) {
                    const std::string why =
                        c.langs.empty() ? "no data under " + folders.describe() + " (expected " + p.def.data_path + ")"
                                        : "none of the --langs codes (" + joined(c.langs) + ") in its data (it has " +
                                              (p.built.available.empty() ? "none" : joined(p.built.available)) + ")";
                    // A group skips what is not there (XNLI is not shipped); a task named on its own must run.
                    if (!group) throw harness::input_error("task " + name + ": " + why);
                    skipped.push_back({name, why});
                    if (harness::world().rank == 0) std::cerr << "rwkvbench: note: skipping " << name << ": " << why << "\n";
                    continue;
                }
                if (!p.built.missing.empty() && harness::world().rank == 0)
                    std::cerr << "rwkvbench: warning: " << name << " has no data for --langs " << joined(p.built.missing)
                              << " (running " << joined(p.built.languages) << ")\n";
            }
            if (p.scorer->has_examples) p.request_hash = requests_hash(p.def, p.built.requests);
            out.push_back(std::move(p));
        }
    }
    if (out.empty())
        throw harness::input_error("nothing to run: no task has data" +
                                   (c.langs.empty() ? std::string() : " for --langs " + joined(c.langs)));
    return out;
}

// An unusable --out (a file, a path under /proc) is bad input before any
// work, naming the path and the system's reason; a folder we may not write in
// fails the same way when run_lock creates run.lock in it.
void prepare_out_dir(const std::string& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw harness::input_error(dir + ": cannot create the run folder: " + ec.message());
    if (!fs::is_directory(dir)) throw harness::input_error(dir + ": not a folder (--out names a run folder)");
    // Writability is proven by taking the run lock next (it creates run.lock).
}

bool runs_on(const planned_task& t, const model_entry& m) {
    return t.models.empty() || std::find(t.models.begin(), t.models.end(), m.name) != t.models.end();
}

}  // namespace

std::optional<std::size_t> effective_limit(const run_config& c, const task_request& r) {
    if (c.limit) return c.limit;
    if (r.limit) return r.limit;
    return c.file_limit;
}

std::string default_suite_path() { return harness::get_build_info().source_dir + "/tasks/suites/default.json"; }

void load_run_config(const std::string& path, run_config& c) {
    harness::with_json_errors(path, [&] {
        const json j = harness::read_json_file(path);
        const auto bad = [&](const std::string& key, const std::string& what) {
            throw harness::input_error(path + ": " + key + ": " + what);
        };
        if (!j.is_object()) bad("(top level)", "expected an object with \"models\" and \"tasks\"");
        for (const auto& [k, v] : j.items())
            if (k != "models" && k != "tasks" && k != "limit" && k != "langs" && k != "description")
                bad(k, "unknown key (expected models, tasks, limit, langs, description)");
        const fs::path base = fs::path(path).parent_path();
        const auto relative_to_file = [&](const std::string& p) {
            if (p.starts_with("random:") || p == "bytes" || fs::path(p).is_absolute()) return p;
            return (base / p).lexically_normal().string();
        };
        if (!j.contains("models") || !j.at("models").is_array() || j.at("models").empty())
            bad("models", "expected a non-empty list");
        for (std::size_t i = 0; i < j.at("models").size(); ++i) {
            const json& m = j.at("models")[i];
            const std::string at = "models[" + std::to_string(i) + "]";
            if (!m.is_object()) bad(at, "expected an object");
            for (const auto& [k, v] : m.items())
                if (k != "name" && k != "model" && k != "engine" && k != "tokenizer" && k != "dtype" && k != "no_cache" &&
                    k != "attention")
                    bad(at + "." + k, "unknown key (expected name, model, engine, tokenizer, dtype, no_cache, attention)");
            for (const char* k : {"model", "engine", "tokenizer"})
                if (!m.contains(k) || !m.at(k).is_string()) bad(at + "." + k, "expected a string");
            engines::engine_spec_text text{m.at("engine").get<std::string>(),
                                           relative_to_file(m.at("model").get<std::string>()),
                                           relative_to_file(m.at("tokenizer").get<std::string>()),
                                           {},
                                           {},
                                           m.value("no_cache", false)};
            if (m.contains("dtype")) text.dtype = m.at("dtype").get<std::string>();
            if (m.contains("attention")) text.attention = m.at("attention").get<std::string>();
            model_entry e{m.value("name", m.at("model").get<std::string>()), {}};
            try {
                e.spec = engines::parse_engine_spec(text, path + ": " + at);
            } catch (const harness::usage_error& u) {
                throw harness::input_error(u.what());  // a mistake in the file: exit 2 either way, named as input
            }
            for (const auto& other : c.models)
                if (other.name == e.name) bad(at + ".name", "'" + e.name + "' names two models");
            c.models.push_back(std::move(e));
        }
        if (j.contains("limit")) {
            if (!j.at("limit").is_number_unsigned() || j.at("limit").get<std::size_t>() == 0)
                bad("limit", "expected a positive integer");
            c.file_limit = j.at("limit").get<std::size_t>();
        }
        if (j.contains("langs")) c.langs = j.at("langs").get<std::vector<std::string>>();
        if (!j.contains("tasks") || !j.at("tasks").is_array() || j.at("tasks").empty())
            bad("tasks", "expected a non-empty list");
        for (std::size_t i = 0; i < j.at("tasks").size(); ++i) {
            const json& t = j.at("tasks")[i];
            const std::string at = "tasks[" + std::to_string(i) + "]";
            task_request r;
            r.where = path + ": " + at;
            if (t.is_string()) {
                r.task = t.get<std::string>();
            } else if (t.is_object() && t.contains("task") && t.at("task").is_string()) {
                for (const auto& [k, v] : t.items())
                    if (k != "task" && k != "models" && k != "limit" && k != "options")
                        bad(at + "." + k, "unknown key (expected task, models, limit, options)");
                r.task = t.at("task").get<std::string>();
                if (t.contains("models")) {
                    r.models = t.at("models").get<std::vector<std::string>>();
                    for (const auto& name : r.models)
                        if (std::none_of(c.models.begin(), c.models.end(),
                                         [&](const model_entry& m) { return m.name == name; }))
                            bad(at + ".models", "'" + name + "' is not one of the models");
                }
                if (t.contains("limit")) {
                    if (!t.at("limit").is_number_unsigned() || t.at("limit").get<std::size_t>() == 0)
                        bad(at + ".limit", "expected a positive integer");
                    r.limit = t.at("limit").get<std::size_t>();
                }
                if (t.contains("options")) {
                    if (!t.at("options").is_object()) bad(at + ".options", "expected an object");
                    r.options = t.at("options");
                }
            } else {
                bad(at, "expected a task name or {\"task\", \"models\", \"limit\", \"options\"}");
            }
            c.tasks.push_back(std::move(r));
        }
    });
}

std::vector<task_request> default_suite_tasks() {
    run_config suite;
    load_run_config(default_suite_path(), suite);
    for (auto& t : suite.tasks) {
        t.models.clear();  // the suite's model names are its own
        if (!t.limit) t.limit = suite.file_limit;
    }
    return suite.tasks;
}

std::vector<std::pair<std::string, std::string>> list_tasks(const std::string& definitions_dir) {
    auto out = task_catalog(definitions_dir.empty() ? default_definitions_dir() : definitions_dir).list();
    std::string names;
    for (const auto& t : default_suite_tasks()) names += (names.empty() ? "" : ", ") + t.task;
    out.emplace_back("default", "suite: rwkvbench run with no arguments; --task default: its tasks (" + names + ")");
    return out;
}

std::vector<planned_model_work> plan_run(const run_config& c, int ranks) {
    if (c.models.empty()) throw harness::usage_error("run: no model given");
    task_catalog catalog(c.definitions_dir.empty() ? default_definitions_dir() : c.definitions_dir);
    std::vector<reports::skipped_task> skipped;
    const std::vector<planned_task> planned = plan(c, catalog, skipped);
    std::vector<planned_model_work> out;
    for (const auto& m : c.models) {
        planned_model_work w{m.name, {}, {}};
        const auto tok = engines::load_tokenizer(m.spec.tokenizer);
        std::vector<std::uint64_t> costs;
        for (const auto& t : planned) {
            if (!runs_on(t, m)) continue;
            planned_model_work::task_work_size size{t.def.name, 0, 0, 0};
            for (const std::span<const request> batch : batch_runs(t.built.requests)) {
                if (!t.scorer->has_examples) {  // timing cases: no tokens to share
                    size.examples += batch.size();
                    continue;
                }
                if (!is_example(batch.front())) continue;
                costs.push_back(0);  // a batch goes to one rank whole (rank_ledger::my_part)
                for (const request& r : batch) {
                    ++size.examples;
                    size.sequences += r.n_choices();
                    costs.back() += request_tokens(r, *tok);
                }
                size.tokens += costs.back();
            }
            w.tasks.push_back(size);
        }
        w.rank_tokens.assign(static_cast<std::size_t>(ranks), 0);
        const std::vector<int> rank = assign_by_cost(costs, ranks);
        for (std::size_t i = 0; i < costs.size(); ++i) w.rank_tokens[static_cast<std::size_t>(rank[i])] += costs[i];
        out.push_back(std::move(w));
    }
    return out;
}

namespace {

// The journal this process appends to: journal.jsonl, or under MPI one per
// rank, so that no two processes append to one file.
std::string own_journal(const std::string& dir) {
    const harness::world_info& w = harness::world();
    return dir + (w.size > 1 ? "/journal.rank-" + std::to_string(w.rank) + ".jsonl" : "/journal.jsonl");
}

// Under MPI, the GPU of this rank's place on its machine; a rank without one
// is an error naming the host.
int cuda_device_of_rank(const run_config& c) {
    const harness::world_info& w = harness::world();
    if (c.device != "cuda" || w.size == 1) return 0;
    const std::size_t gpus = kernels::cuda_devices().size();
    if (static_cast<std::size_t>(w.node_rank) >= gpus)
        throw harness::input_error("--device cuda: " + w.host + " runs " + std::to_string(w.node_size) +
                                   " ranks but has " + std::to_string(gpus) +
                                   " GPU(s): start at most one rank per GPU on each machine");
    return w.node_rank;
}

}  // namespace

json run_tasks(const run_config& given) {
    const harness::world_info& w = harness::world();
    const bool root = w.rank == 0;
    harness::stopwatch run_clock;
    run_config c = given;
    if (c.models.empty()) throw harness::usage_error("run: no model given");
    std::string thread_note;
    // Under a launcher, never oversubscribed by default: the machine's cores shared among its ranks.
    if (w.launched && c.threads == 0 && c.device == "cpu") c.threads = harness::default_rank_threads(&thread_note);
    if (!root) c.progress = false;
    task_catalog catalog(c.definitions_dir.empty() ? default_definitions_dir() : c.definitions_dir);
    std::vector<reports::skipped_task> skipped;
    const std::vector<planned_task> planned = plan(c, catalog, skipped);

    std::vector<reports::task_record> tasks;
    for (const auto& t : planned)
        tasks.push_back({t.def.name, t.def.version, t.def.scorer,
                         t.limit ? std::optional<std::int64_t>(static_cast<std::int64_t>(*t.limit)) : std::nullopt,
                         t.built.languages, t.models, t.request_hash, t.def.merged});

    // The folder is checked, locked and described (by rank 0) before any work.
    std::optional<harness::run_lock> lock;
    if (root) {
        prepare_out_dir(c.out_dir);
        std::string note;
        lock.emplace(c.out_dir, &note);
        if (!note.empty()) std::cerr << "rwkvbench: note: " << c.out_dir << ": " << note << "\n";
        const json fingerprint = run_fingerprint(c, tasks);
        if (c.resume) {
            note.clear();
            check_manifest(c.out_dir, fingerprint, &note);
            if (!note.empty()) std::cerr << "rwkvbench: note: " << note << "\n";
        } else {
            write_manifest(c.out_dir, fingerprint);
            // A fresh run: no journal of an earlier run (of any world size) may be read back later.
            for (const std::string& f : journal_files(c.out_dir)) fs::remove(f);
        }
        if (!thread_note.empty()) std::cerr << "rwkvbench: note: " << thread_note << "\n";
    }
    check_shared_folder(c.out_dir);  // also: every rank waits for rank 0's folder
    journal j(own_journal(c.out_dir), c.resume, c.resume ? journal_files(c.out_dir) : std::vector<std::string>{});
    // Threads are the CPU backend's: recorded once, as the count used (context.threads).
    if (root && c.device == "cuda" && c.threads > 0)
        std::cerr << "rwkvbench: note: --threads " << c.threads << " applies to the CPU backend; ignored with --device cuda\n";
    auto backend = kernels::make_backend(c.device, c.threads, cuda_device_of_rank(c), c.int8_activations);
    json results = json::array(), series = json::array();  // written by the scorers (task_context::add)
    std::vector<reports::model_record> models;
    std::vector<reports::task_timing> timings;
    struct loaded_model {
        std::unique_ptr<engines::engine> engine;
        std::unique_ptr<engines::tokenizer> tok;
    };
    const auto load = [&](const model_entry& m) {
        if (c.progress) std::cerr << "model " << m.name << ": loading " << m.spec.model << "\n";
        engines::engine_spec spec = m.spec;
        spec.seed = c.seed;
        loaded_model l{engines::make_engine(spec, *backend), engines::load_tokenizer(spec.tokenizer)};
        const engines::engine_info info = l.engine->info();
        if (std::none_of(models.begin(), models.end(),
                         [&](const reports::model_record& x) { return x.name == m.name; })) {
            reports::model_record r{m.name,
                                    m.spec.model,
                                    m.spec.engine,
                                    m.spec.tokenizer,
                                    engines::dtype_spelling(m.spec.dtype),
                                    info.architecture,
                                    std::string(kernels::attention_variant_name(m.spec.attention)),
                                    m.spec.no_cache,
                                    static_cast<std::uint64_t>(info.n_params),
                                    info.context_limit ? std::optional<std::int64_t>(*info.context_limit) : std::nullopt};
            models.push_back(r);
        }
        return l;
    };
    const auto is_scaling = [](const planned_task& t) { return !t.scorer->has_examples; };
    const auto context_for = [&](const planned_task& t, const model_entry& m, const loaded_model& l) {
        return task_context{c, t.def, m, *l.engine, *backend, *l.tok, j, results, series};
    };
    const auto score_timed = [&](const planned_task& t, const model_entry& m, const loaded_model& l, double before) {
        task_context ctx = context_for(t, m, l);
        harness::stopwatch wall;
        t.scorer->score(ctx, t.built.requests);
        write_sample_file(ctx, t.built.requests);
        timings.push_back({t.def.name, m.name, before + wall.elapsed_seconds()});
    };
    rank_ledger ledger(c, j);  // under MPI: each rank's part, gathered to rank 0
    // Quality tasks: one model at a time. Under MPI every rank first scores
    // its part of the model's remaining examples; rank 0 then computes the
    // metrics from the whole journal (and does what is not an example).
    for (const auto& m : c.models) {
        std::vector<const planned_task*> quality;
        for (const auto& t : planned)
            if (!is_scaling(t) && runs_on(t, m)) quality.push_back(&t);
        if (quality.empty()) continue;
        std::optional<loaded_model> l;
        std::vector<double> shard_seconds(quality.size(), 0.0);
        if (w.size > 1) {
            std::vector<task_work> work;
            for (const planned_task* t : quality) work.push_back({t->def.name, t->built.requests});
            const std::vector<std::vector<request>> mine = ledger.my_part(m, work);
            for (std::size_t i = 0; i < quality.size(); ++i) {
                if (mine[i].empty()) continue;
                if (!l) l.emplace(load(m));
                task_context ctx = context_for(*quality[i], m, *l);
                ctx.shard_only = true;
                harness::stopwatch wall;
                quality[i]->scorer->score(ctx, mine[i]);
                shard_seconds[i] = wall.elapsed_seconds();
            }
            shard_seconds = ledger.gather_part(shard_seconds);
        }
        if (!root) continue;
        if (!l) l.emplace(load(m));
        for (std::size_t i = 0; i < quality.size(); ++i) score_timed(*quality[i], m, *l, shard_seconds[i]);
    }
    // Scaling: the task's models resident together and measured in rounds
    // (options.interleave, default on), or one at a time for models too big
    // for that. Under MPI only ranks that disturb no other's timing measure
    // (one per machine on CPU, each rank with its own GPU), each its share
    // of the cases; rank 0 then aggregates them all.
    const std::vector<int> timing = w.size > 1 ? ledger.timing_ranks() : std::vector<int>{0};
    const auto timing_index = std::find(timing.begin(), timing.end(), w.rank);
    for (const auto& t : planned) {
        if (!is_scaling(t)) continue;
        std::vector<std::vector<const model_entry*>> groups;
        for (const auto& m : c.models)
            if (runs_on(t, m)) {
                if (groups.empty() || !t.def.options.value("interleave", true)) groups.emplace_back();
                groups.back().push_back(&m);
            }
        for (const auto& group : groups) {
            std::vector<request> mine;  // this rank's cases: every len(timing)-th, from its place among the timing ranks
            if (timing_index != timing.end())
                for (std::size_t i = static_cast<std::size_t>(timing_index - timing.begin()); i < t.built.requests.size();
                     i += timing.size())
                    mine.push_back(t.built.requests[i]);
            harness::stopwatch wall;
            std::vector<loaded_model> ls;
            std::vector<task_context> ctxs;
            ctxs.reserve(group.size());
            if (!mine.empty() || root)
                for (const model_entry* m : group) ls.push_back(load(*m));
            for (std::size_t i = 0; i < ls.size(); ++i) ctxs.push_back(context_for(t, *group[i], ls[i]));
            std::vector<task_context*> ptrs;
            for (auto& x : ctxs) ptrs.push_back(&x);
            if (!mine.empty()) t.scorer->measure_rounds(ptrs, mine);
            if (w.size > 1) ledger.gather_cases();
            if (!root) continue;
            for (auto& x : ctxs) t.scorer->score(x, t.built.requests);
            std::string names;
            for (const model_entry* m : group) names += (names.empty() ? "" : ", ") + m->name;
            const bool interleaved = t.def.options.value("interleave", true);
            timings.push_back({t.def.name, names + (interleaved ? " (interleaved)" : ""), wall.elapsed_seconds()});
        }
    }
    std::optional<reports::processes_record> processes;
    if (w.size > 1) {
        const bool any_scaling = std::any_of(planned.begin(), planned.end(), is_scaling);
        processes = ledger.gather_ranks(run_clock.elapsed_seconds(), any_scaling ? timing : std::vector<int>{});
        if (!root) return json();  // rank 0 writes the report
    }
    reports::run_settings config;
    config.device = c.device, config.langs = c.langs, config.no_pad = c.no_pad, config.seed = c.seed;
    config.batch_size = static_cast<std::int64_t>(c.batch_size);
    config.int8_activations = c.int8_activations;
    if (c.limit) config.limit = static_cast<std::int64_t>(*c.limit);
    config.data_dir = c.data_dir, config.data = c.data_file, config.config_file = c.config_file;
    config.test_delay_us_per_token = c.test_delay_us_per_token;
    const std::vector<std::string> journals = journal_files(c.out_dir);
    json report = {{"schema_version", 1}, {"context", provenance(c)},  {"config", config}, {"models", models},
                   {"tasks", tasks},      {"results", results},        {"series", series}, {"skipped", skipped},
                   {"timings", timings},
                   {"journal", journals.size() == 1 ? fs::path(journals[0]).filename().string() : "journal*.jsonl"}};
    if (processes) report["processes"] = *processes;
    harness::write_file_atomically(c.out_dir + "/report.json", report.dump(2) + "\n");
    return report;
}

}  // namespace tasks
