// Facts about this build, fixed when it was compiled (but for source_dir,
// which the environment may move).
#pragma once

#include <string>

namespace harness {

struct build_info {
    std::string version;      // project version, e.g. "0.1.0"
    std::string git_commit;   // short hash, "+dirty" when the tree had changes; "unknown" outside git
    std::string build_type;   // CMAKE_BUILD_TYPE
    std::string compiler;     // "GNU 12.2.0"
    bool cuda_enabled = false;
    std::string cuda_version;        // nvcc's version when CUDA is compiled in
    std::string cuda_architectures;  // CMAKE_CUDA_ARCHITECTURES
    // The source tree this binary was built from: where the shipped datasets/,
    // tasks/definitions/ and tasks/suites/ are found by default. The
    // environment variable RWKVBENCH_SOURCE_DIR overrides it at run time.
    std::string source_dir;
};

const build_info& get_build_info();

}  // namespace harness
