#include "option_values.h"

#include <cmath>
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

double non_negative_option(const po::variables_map& args, const char* name, std::string_view command) {
    const double x = args.at(name).as<double>();
    if (!std::isfinite(x) || x < 0)
        throw harness::usage_error(std::string(command) + ": --" + name + " must be a finite number >= 0, got " +
                                   std::to_string(x));
    return x;
}

}  // namespace cli
