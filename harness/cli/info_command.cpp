// `rwkvbench info`: what this build is and what it runs on.
#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "command.h"
#include "engines/model_info.h"
#include "harness/build_info.h"
#include "harness/cpu_features.h"
#include "harness/errors.h"
#include "harness/mpi_world.h"
#include "kernels/backend.h"
#include "kernels/cpu_options.h"
#include "option_values.h"

namespace cli {
namespace {

class info_command final : public command {
public:
    std::string_view name() const override { return "info"; }
    bool on_every_rank() const override { return true; }  // each rank shows its own view
    std::string_view summary() const override {
        return "build, BLAS, CPU features and CUDA devices; or what a model file holds";
    }
    std::string_view examples() const override {
        return "  rwkvbench info\n  rwkvbench info --json --threads 2\n"
               "  rwkvbench info --model models/rwkv4-169m.pth --tensors\n"
               "  rwkvbench info --model models/pythia-160m/ --json\n";
    }
    void add_options(po::options_description& o) override {
        o.add_options()("model", po::value<std::string>(),
                        "a checkpoint (.pth, .safetensors, .bin) or a Hugging Face folder")(
            "tensors", "with --model: list the tensors as stored (name, dtype, shape)")(
            "json", "print one JSON object instead of text")(
            "threads", po::value<int>()->default_value(0), "CPU threads for OpenMP and BLAS (0: all cores)");
    }

    int run(const po::variables_map& args) override {
        if (args.count("model")) return describe_model(args.at("model").as<std::string>(), args.count("tensors") > 0,
                                                       args.count("json") > 0);
        if (args.count("tensors")) throw harness::usage_error("info: --tensors needs --model");
        // Creating the CPU backend applies the thread count to OpenMP and BLAS.
        auto cpu = kernels::make_cpu_backend(threads_option(args, "info"));
        const auto& b = harness::get_build_info();
        const auto& f = harness::detect_cpu_features();
        std::string cuda_reason;
        const bool has_cuda = kernels::cuda_available(&cuda_reason);
        const auto devices = kernels::cuda_devices();
        const auto isa = kernels::resolve_cpu_isa(kernels::cpu_isa::auto_detect);

        if (args.count("json")) {
            nlohmann::json j;
            j["version"] = b.version;
            j["git_commit"] = b.git_commit;
            j["build_type"] = b.build_type;
            j["compiler"] = b.compiler;
            j["cuda_compiled"] = b.cuda_enabled;
            j["cuda_version"] = b.cuda_version;
            j["cuda_architectures"] = b.cuda_architectures;
            j["blas"] = kernels::blas_description();
            j["blas_core"] = kernels::blas_core_name();
            j["threads"] = kernels::cpu_thread_count();
            j["cpu"] = {{"model", f.model_name}, {"logical_cores", f.logical_cores}, {"features", f.summary()},
                        {"matmul_isa", std::string(kernels::cpu_isa_name(isa))}};
            nlohmann::json devs = nlohmann::json::array();
            for (const auto& d : devices)
                devs.push_back({{"index", d.index}, {"name", d.name}, {"memory_bytes", d.total_memory},
                                {"compute_capability", std::to_string(d.cc_major) + "." + std::to_string(d.cc_minor)}});
            j["cuda_devices"] = devs;
            j["cuda_driver"] = kernels::cuda_driver_version();
            if (!has_cuda) j["cuda_unavailable_reason"] = cuda_reason;
            const harness::world_info& w = harness::world();
            j["mpi"] = {{"library", harness::mpi_library_version()},
                        {"launched", w.launched},
                        {"rank", w.rank},
                        {"size", w.size},
                        {"node_rank", w.node_rank},
                        {"node_size", w.node_size},
                        {"host", w.host}};
            std::cout << j.dump(2) << "\n";
            return 0;
        }
        std::cout << "rwkvbench " << b.version << " (commit " << b.git_commit << ")\n"
                  << "build:    " << b.build_type << ", " << b.compiler << ", CUDA "
                  << (b.cuda_enabled ? "on (nvcc " + b.cuda_version + ", archs " + b.cuda_architectures + ")" : "off")
                  << "\n"
                  << "BLAS:     " << kernels::blas_description() << "\n"
                  << "threads:  " << kernels::cpu_thread_count() << "\n"
                  << "CPU:      " << (f.model_name.empty() ? "unknown" : f.model_name) << ", " << f.logical_cores
                  << " logical cores\n"
                  << "features: " << f.summary() << " (matmul path: " << kernels::cpu_isa_name(isa) << ")\n";
        if (devices.empty()) {
            std::cout << "CUDA:     " << cuda_reason << "\n";
        } else {
            std::cout << "driver:   CUDA " << kernels::cuda_driver_version() << "\n";
            for (const auto& d : devices)
                std::cout << "CUDA " << d.index << ":   " << d.name << ", " << d.total_memory / (1024 * 1024)
                          << " MiB, compute capability " << d.cc_major << "." << d.cc_minor << "\n";
        }
        std::cout << "MPI:      " << mpi_line() << "\n";
        return 0;
    }

private:
    // "not compiled in", "Open MPI v4.1.4, not launched by mpirun", or the rank.
    static std::string mpi_line() {
        const std::string library = harness::mpi_library_version();
        if (library.empty()) return "not compiled in (a run is one process; install libopenmpi-dev and rebuild)";
        const harness::world_info& w = harness::world();
        if (!w.launched) return library + ", not launched by mpirun/srun (a world of one)";
        return library + ", rank " + std::to_string(w.rank) + " of " + std::to_string(w.size) + " on " + w.host + " (" +
               std::to_string(w.node_size) + " on this node)";
    }

    static int describe_model(const std::string& path, bool tensors, bool json) {
        const engines::model_source source = engines::open_model(path);
        const engines::model_info info = engines::describe_model(source);
        const engines::model_file& f = *source.file;
        if (json) {
            nlohmann::json j;
            j["path"] = path;
            j["format"] = std::string(engines::file_format_name(f.format()));
            j["architecture"] = info.architecture;
            j["n_params"] = info.n_params;
            nlohmann::json hp = nlohmann::json::object();
            for (const auto& [k, v] : info.hyperparameters) hp[k] = v;
            j["hyperparameters"] = hp;
            nlohmann::json dt = nlohmann::json::object();
            for (const auto& [k, v] : info.dtypes) dt[k] = v;
            j["dtypes"] = dt;
            if (!source.config_path.empty()) j["config"] = source.config_path;
            nlohmann::json meta = nlohmann::json::object();
            for (const auto& [k, v] : f.metadata()) meta[k] = v;
            j["metadata"] = meta;
            if (tensors) {
                nlohmann::json list = nlohmann::json::array();
                for (const auto& t : f.tensors())
                    list.push_back({{"name", t.name}, {"dtype", t.stored_dtype}, {"shape", t.shape}, {"offset", t.file_offset}});
                j["tensors"] = list;
            }
            std::cout << j.dump(2) << "\n";
            return 0;
        }
        std::cout << "model:        " << path << "\n"
                  << "format:       " << engines::file_format_name(f.format()) << " (" << f.tensors().size() << " tensors, "
                  << f.file_size() << " bytes)\n"
                  << "architecture: " << info.architecture << "\n"
                  << "parameters:   " << info.n_params << "\n"
                  << "dtypes:      ";
        for (const auto& [k, v] : info.dtypes) std::cout << " " << k << " x" << v;
        std::cout << "\n";
        if (!source.config_path.empty()) std::cout << "config:       " << source.config_path << "\n";
        for (const auto& [k, v] : info.hyperparameters) {
            std::string key = k + ":";
            key.resize(std::max<std::size_t>(key.size() + 1, 14), ' ');  // pad, never cut
            std::cout << key << v << "\n";
        }
        if (tensors)
            for (const auto& t : f.tensors())
                std::cout << "  " << t.name << "  " << t.stored_dtype << " " << t.shape_string() << "\n";
        return 0;
    }
};

}  // namespace

std::unique_ptr<command> make_info_command() { return std::make_unique<info_command>(); }

}  // namespace cli
