// A Hugging Face config.json beside a fixed one-tensor model.safetensors,
// read as `rwkvbench info FOLDER` reads a model folder.
#include <filesystem>
#include <fstream>

#include "engines/model_info.h"
#include "fuzz_input.h"

namespace {

// A valid safetensors file with one F32 tensor: what the config is checked against.
std::string model_folder() {
    const std::string dir = fuzz::scratch_dir() + "/hf";
    std::filesystem::create_directories(dir);
    const std::string header = R"({"gpt_neox.embed_in.weight":{"dtype":"F32","shape":[4,2],"data_offsets":[0,32]}})";
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i)
        bytes[static_cast<std::size_t>(i)] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
    bytes += header + std::string(32, '\0');
    std::ofstream(dir + "/model.safetensors", std::ios::binary) << bytes;
    return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string dir = model_folder();
    fuzz::write_file("hf/config.json", data, size);
    fuzz::expect_bad_input_only([&] { (void)engines::describe_model(engines::open_model(dir)); });
    return 0;
}
