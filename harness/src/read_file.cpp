#include "harness/read_file.h"

#include <fstream>
#include <sstream>

#include "harness/errors.h"

namespace harness {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw input_error(path + ": cannot open");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace harness
