// The main of every GoogleTest executable here: each test process gets a
// private temporary folder (testing::TempDir() reads TEST_TMPDIR), removed
// when every test passed and kept, with its path printed, when one failed.
// Without it each ctest run left its fixtures in /tmp (the A/B tests alone
// copy the 120 MB binary twice), and repeated runs filled the disk.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace {

// A fresh folder under the caller's TEST_TMPDIR / TMPDIR (or /tmp).
std::string make_private_temp_dir() {
    std::string parent = "/tmp";
    for (const char* name : {"TEST_TMPDIR", "TMPDIR"}) {
        if (const char* v = std::getenv(name); v != nullptr && *v != '\0') {
            parent = v;
            break;
        }
    }
    std::string pattern = parent + "/rwkvbench-test-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (::mkdtemp(buffer.data()) == nullptr) return "";
    return buffer.data();
}

}  // namespace

int main(int argc, char** argv) {
    testing::InitGoogleTest(&argc, argv);
    const std::string dir = make_private_temp_dir();
    if (dir.empty()) {
        std::perror("cannot create a temporary folder for the tests (mkdtemp)");
        return 1;
    }
    ::setenv("TEST_TMPDIR", dir.c_str(), 1);
    const int rc = RUN_ALL_TESTS();
    if (rc == 0) {
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    } else {
        std::fprintf(stderr, "test files kept in %s\n", dir.c_str());
    }
    return rc;
}
