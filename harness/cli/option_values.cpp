#include "option_values.h"

#include <cmath>
#include <ctime>
#include <string>

#include "harness/errors.h"

namespace cli {

int threads_option(const po::variables_map& args, std::string_view command) {
    constexpr int most = 1024;
    const int n = args.at("threads").as<int>();
    if (n < 0 || n > most)
        throw harness::usage_error(std::string(command) + ": --threads must be 0 (all cores) to " + std::to_string(most) +
                                   ", got " + std::to_string(n));
    return n;
}

engines::engine_spec engine_spec_option(const po::variables_map& args, std::string_view command) {
    engines::engine_spec_text t;
    t.engine = args.at("engine").as<std::string>();
    t.model = args.at("model").as<std::string>();
    if (args.count("tokenizer")) t.tokenizer = args.at("tokenizer").as<std::string>();
    if (args.count("dtype")) t.dtype = args.at("dtype").as<std::string>();
    if (args.count("attention")) t.attention = args.at("attention").as<std::string>();
    t.no_cache = args.count("no-cache") > 0;
    return engines::parse_engine_spec(t, std::string(command));
}

double non_negative_option(const po::variables_map& args, const char* name, std::string_view command) {
    const double x = args.at(name).as<double>();
    if (!std::isfinite(x) || x < 0)
        throw harness::usage_error(std::string(command) + ": --" + name + " must be a finite number >= 0, got " +
                                   std::to_string(x));
    return x;
}

std::string timestamped_dir(const std::string& prefix) {
    const std::time_t now = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::gmtime(&now));
    return "runs/" + prefix + "-" + stamp;
}

}  // namespace cli
