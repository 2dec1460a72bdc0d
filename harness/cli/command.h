// A subcommand of rwkvbench: its name, a one-line summary for `--help`, its
// options, examples, and run(). main.cpp parses, dispatches and maps
// exceptions to exit codes; commands only do their one job.
#pragma once

#include <boost/program_options.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cli {

namespace po = boost::program_options;

class command {
public:
    virtual ~command() = default;
    virtual std::string_view name() const = 0;
    virtual std::string_view summary() const = 0;
    // Lines shown under "Examples:" in `rwkvbench <name> --help`.
    virtual std::string_view examples() const = 0;
    virtual void add_options(po::options_description& options) = 0;
    virtual void add_positional(po::positional_options_description&) {}
    // Under mpirun: whether every rank runs the command (run shares out its
    // work, info shows each rank's view); otherwise rank 0 does it alone.
    virtual bool on_every_rank() const { return false; }
    // Returns the process exit code (harness::exit_code values).
    virtual int run(const po::variables_map& args) = 0;
};

// All subcommands, in the order `--help` lists them.
std::vector<std::unique_ptr<command>> make_commands(std::vector<std::string> argv = {});

std::unique_ptr<command> make_info_command();
std::unique_ptr<command> make_selfcheck_command();
std::unique_ptr<command> make_tokenize_command();
std::unique_ptr<command> make_logits_command();
std::unique_ptr<command> make_run_command(std::vector<std::string> argv);
std::unique_ptr<command> make_list_command();
std::unique_ptr<command> make_validate_command();
std::unique_ptr<command> make_compare_command();
std::unique_ptr<command> make_report_command();
std::unique_ptr<command> make_review_command();
std::unique_ptr<command> make_ab_command();

}  // namespace cli
