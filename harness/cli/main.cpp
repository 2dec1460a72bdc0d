// rwkvbench: parse the subcommand, run it, map errors to exit codes
// (INTERFACES.md): 0 ok, 1 a gate failed, 2 bad input or usage, 3 internal.
// Errors are one line on stderr: "rwkvbench: error: <what>".
#include <csignal>
#include <exception>
#include <iostream>
#include <string>

#include "command.h"
#include "harness/build_info.h"
#include "harness/errors.h"
#include "harness/mpi_world.h"
#include "kernels/backend.h"

namespace {

void print_usage(const std::vector<std::unique_ptr<cli::command>>& commands, std::ostream& out) {
    out << "rwkvbench " << harness::get_build_info().version
        << " - benchmark and evaluation harness for RWKV-4 and transformer baselines\n\n"
           "Usage: rwkvbench <command> [options]\n       rwkvbench <command> --help\n\nCommands:\n";
    for (const auto& c : commands) {
        std::string name(c->name());
        name.resize(12, ' ');
        out << "  " << name << c->summary() << "\n";
    }
    out << "\nExit codes: 0 ok, 1 a check or gate failed, 2 bad input or usage, 3 internal error.\n";
}

int run_command(cli::command& c, int argc, char** argv) {
    namespace po = cli::po;
    po::options_description options(std::string("Options of rwkvbench ") + std::string(c.name()));
    options.add_options()("help,h", "show this help");
    c.add_options(options);
    po::positional_options_description positional;
    c.add_positional(positional);
    po::variables_map args;
    try {
        po::store(po::command_line_parser(argc, argv).options(options).positional(positional).run(), args);
        if (args.count("help")) {
            std::cout << "rwkvbench " << c.name() << ": " << c.summary() << "\n\n"
                      << options << "\nExamples:\n"
                      << c.examples();
            return 0;
        }
        po::notify(args);
    } catch (const po::error& e) {
        throw harness::usage_error(std::string(c.name()) + ": " + e.what() + " (see rwkvbench " +
                                   std::string(c.name()) + " --help)");
    }
    return c.run(args);
}

// Prints the one-line error; under MPI with other ranks, names this rank
// and ends the whole job with the code (a rank that stops alone would leave
// the others waiting for it).
int fail(const std::string& line, harness::exit_code code) {
    const harness::world_info& w = harness::world();
    if (w.size > 1) {
        // One write, so that the ranks' lines do not interleave mid-line.
        std::cerr << ("rwkvbench: rank " + std::to_string(w.rank) + " (" + w.host + "): " + line + "\n") << std::flush;
        harness::abort_world(static_cast<int>(code));
    }
    std::cerr << "rwkvbench: " << line << "\n";
    return static_cast<int>(code);
}

int dispatch(int argc, char** argv) {
    try {
        auto commands = cli::make_commands(std::vector<std::string>(argv, argv + argc));
        if (argc < 2) {
            print_usage(commands, std::cerr);
            return static_cast<int>(harness::exit_code::bad_input);
        }
        const std::string first = argv[1];
        if (first == "--help" || first == "-h" || first == "help") {
            print_usage(commands, std::cout);
            return 0;
        }
        if (first == "--version") {
            const auto& b = harness::get_build_info();
            std::cout << "rwkvbench " << b.version << " (" << b.git_commit << ")\n";
            return 0;
        }
        const harness::world_info& w = harness::world();
        if (!w.launched && harness::launcher_world_size() > 1)
            throw harness::usage_error("started as one of " + std::to_string(harness::launcher_world_size()) +
                                       " ranks by mpirun/srun, but this build has no MPI (rwkvbench info); install "
                                       "libopenmpi-dev and rebuild");
        for (auto& c : commands) {
            if (c->name() != first) continue;
            if (w.size == 1) return run_command(*c, argc - 1, argv + 1);
            // Under mpirun a command that does not share out its work runs
            // on rank 0 while the other ranks wait, so files are written once.
            if (c->on_every_rank()) {
                const int code = run_command(*c, argc - 1, argv + 1);
                harness::barrier();  // a rank done early waits (asleep) for rank 0's report
                return code;
            }
            int code = 0;
            if (w.rank == 0) {
                std::cerr << "rwkvbench: note: `" << first << "` does its work on rank 0 of " << w.size
                          << "; the other ranks wait for it\n";
                code = run_command(*c, argc - 1, argv + 1);
            }
            harness::barrier();
            return code;
        }
        throw harness::usage_error("unknown command '" + first + "' (see rwkvbench --help)");
    } catch (const harness::error& e) {
        return fail(std::string("error: ") + e.what(), e.code());
    } catch (const std::exception& e) {
        return fail(std::string("internal error: ") + e.what(), harness::exit_code::internal);
    }
}

}  // namespace

int main(int argc, char** argv) {
    // A file-size limit (ulimit -f) makes a write fail with EFBIG, reported
    // like a full disk (exit 3, the path and the reason), instead of killing
    // the process without a word.
    std::signal(SIGXFSZ, SIG_IGN);
    // Before anything else: this may run the program again with OpenBLAS's
    // kernels for this CPU (OpenBLAS falls back to SSE3 ones on models it
    // does not know).
    kernels::use_blas_kernels_for_this_cpu(argv);
    harness::init_world(argc, argv);
    const int code = dispatch(argc, argv);
    harness::finalize_world();
    return code;
}
