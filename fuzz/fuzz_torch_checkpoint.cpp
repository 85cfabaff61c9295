// torch.save zip checkpoints: LibTorch's zip reader, the restricted unpickler with the real hooks,
// storage records, _rebuild_tensor_v2 views (offset/size/stride bounds) and the dict flattening.
//
// Input, by its first byte:
//   even: the rest is the file itself (zip parsing, records, CRCs);
//   odd:  the rest is split at each "\nREC\n": part 0 becomes archive/data.pkl, part i the record
//         archive/data/<i-1>, written by PyTorchStreamWriter as torch.save does. Mutations then
//         reach the pickle and the view checks instead of dying on the zip's CRC.
// Contract (core/io/torch_checkpoint.h): pictor::Error for every bad file. The harness catches
// pictor::Error only (a c10::Error escaping from LibTorch's reader is a finding too).
#include <ATen/ATen.h>
#include <caffe2/serialize/inline_container.h>

#include "core/io/torch_checkpoint.h"
#include "core/util/error.h"
#include "fuzz/fuzz_support.h"

namespace {

void write_archive(const std::filesystem::path& path, std::string_view body) {
    caffe2::serialize::PyTorchStreamWriter writer(path.string());
    constexpr std::string_view sep = "\nREC\n";
    size_t begin = 0;
    for (int part = 0;; ++part) {
        const size_t end = body.find(sep, begin);
        const std::string_view piece = body.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin);
        const std::string name = part == 0 ? "data.pkl" : "data/" + std::to_string(part - 1);
        writer.writeRecord(name, piece.data(), piece.size());
        if (end == std::string_view::npos) break;
        begin = end + sep.size();
    }
    writer.writeEndOfFile();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    static const auto file = pictor::fuzz::scratch_file("checkpoint.pt");
    const std::string_view body = pictor::fuzz::as_text(data + 1, size - 1);
    if (data[0] % 2 == 0) pictor::fuzz::write_file(file, body);
    else write_archive(file, body);
    try {
        const pictor::TensorMap tensors = pictor::load_torch_checkpoint(file);
        for (const auto& [name, t] : tensors) {
            if (name.empty() && tensors.size() > 1) pictor::fuzz::finding("empty tensor name");
            (void)t.contiguous().sum();  // every element of every view lies inside its storage
        }
    } catch (const pictor::Error&) {
    }
    return 0;
}
