// A checkpoint file of any format (chosen by content, as `rwkvbench info`
// does): the .pth zip reader and restricted unpickler, the safetensors
// header, rwkv.cpp's .bin (its block formats dequantized); then
// architecture detection over what was read.
#include "engines/float_tensor.h"
#include "engines/model_file.h"
#include "engines/model_info.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string path = fuzz::write_file("model.bin", data, size);
    fuzz::expect_bad_input_only([&] {
        const auto file = engines::model_file::open(path);
        // Every tensor's byte range was checked against the file: touch them all.
        unsigned sum = 0;
        for (const auto& t : file->tensors()) {
            for (std::uint64_t i = 0; i < t.n_bytes; i += 4096) sum += t.data[i];
            if (t.quant && t.numel() <= (1 << 20)) sum += static_cast<unsigned>(engines::decode_f32(*file, t).values.size());
        }
        (void)sum;
        (void)engines::describe_model(*file);
    });
    return 0;
}
