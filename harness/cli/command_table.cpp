#include "command.h"

namespace cli {

std::vector<std::unique_ptr<command>> make_commands(std::vector<std::string> argv) {
    std::vector<std::unique_ptr<command>> commands;
    commands.push_back(make_run_command(std::move(argv)));
    commands.push_back(make_info_command());
    commands.push_back(make_tokenize_command());
    commands.push_back(make_logits_command());
    commands.push_back(make_list_command());
    commands.push_back(make_validate_command());
    commands.push_back(make_report_command());
    commands.push_back(make_review_command());
    commands.push_back(make_compare_command());
    commands.push_back(make_ab_command());
    commands.push_back(make_selfcheck_command());
    return commands;
}

}  // namespace cli
