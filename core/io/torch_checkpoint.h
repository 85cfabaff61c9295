// PyTorch zip checkpoints (`torch.save` since 1.6: `.pth`, `.pt`, `.bin`, `.ckpt`) read without
// Python and without executing anything.
//
// The archive (`<name>/data.pkl` + `<name>/data/<key>` storage records) is read with LibTorch's
// caffe2::serialize::PyTorchStreamReader; `data.pkl` goes through the restricted unpickler
// (core/io/pickle_reader.h) with an allow-list of the globals state_dicts use:
// collections.OrderedDict, torch._utils._rebuild_tensor(_v2), torch._utils._rebuild_parameter
// (_with_state), torch._tensor._rebuild_from_type_v2, torch.Tensor, torch.nn.parameter.Parameter,
// the typed storages torch.{Double,Float,Half,BFloat16,Long,Int,Short,Char,Byte,Bool}Storage, and the
// inert numpy scalar helpers training checkpoints carry (numpy.core.multiarray.scalar, numpy.dtype,
// _codecs.encode), which become opaque values. Anything else (os.system, builtins.eval, ...) is
// refused with an error naming the global; nothing is ever executed.
//
// Tensors keep their stored dtype; views share one storage record (offset and strides honoured,
// bounds-checked against the record). Failure contract: pictor::Error naming the file (and the
// tensor or global) for a missing/truncated/garbage file, a refused global, a pickle that is not a
// dict of tensors, or a view outside its storage. Thread-safety: no shared state.
#pragma once

#include <filesystem>

#include "core/io/tensor_map.h"

namespace pictor {

// The tensors of the checkpoint, by name. The top object must be a dict; a nested
// `{"state_dict": {...}}` (Lightning) is unwrapped; other nested dicts are flattened with "."
// (`{"model": {"w": t}}` → "model.w"); non-tensor leaves (epoch, hyper-parameters) are dropped.
TensorMap load_torch_checkpoint(const std::filesystem::path& path);

// True when the file starts with a zip signature (the torch.save format since 1.6).
bool is_zip_file(const std::filesystem::path& path);

}  // namespace pictor
