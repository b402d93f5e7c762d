#pragma once
// User fusion models exported with TorchScript, described by a JSON sidecar beside the
// model (`model.pt.json` for `model.pt`):
//
//   {
//     "name": "mynet",                 // method name (default: the file's stem)
//     "description": "...",            // optional
//     "input": "y+ir",                 // forward(a, b) argument order and kinds:
//                                      //   "y+ir", "ir+y" (visible luminance Y, 1 channel)
//                                      //   "rgb+ir", "ir+rgb" (visible RGB, 3 channels)
//                                      // IR is always 1 channel (grey)
//     "input_range": [0, 1],           // [0, 1] or [0, 255]
//     "output": "Y",                   // "Y" (fused luminance; visible chroma restored)
//                                      // or "RGB" (3 channels, RGB order)
//     "output_range": [0, 1],          // any [lo, hi], lo < hi; mapped linearly to [0, 1]
//     "output_stretch": "clamp"        // optional: "clamp" (default) or "minmax" (per image)
//   }
//
// Y is BT.601 luminance of the visible frame (OpenCV's BGR->YCrCb); with output "Y" the
// result is put back with the visible Cr/Cb. A missing sidecar means the defaults above
// (y+ir, [0,1], Y, [0,1]). Every bad field throws vf::Error(InvalidArgument) naming the
// sidecar file, the field and the value.

#include <filesystem>
#include <memory>
#include <string>

#include "core/fusion/FusionMethod.h"

namespace vf::fusion {

struct TorchScriptSidecar {
    enum class Input { YIr, IrY, RgbIr, IrRgb };
    enum class Output { Y, RGB };
    std::string name, description;
    Input input = Input::YIr;
    double inputScale = 1.0; // 1 ([0,1]) or 255 ([0,255])
    Output output = Output::Y;
    double outputLo = 0, outputHi = 1;
    bool outputMinMax = false;
};

// Parses `json` (the sidecar text); `source` names the file in error messages.
TorchScriptSidecar parseTorchScriptSidecar(const std::string& json, const std::string& source);
// Reads `<model>.json` if present (else defaults, with name = the model's stem).
TorchScriptSidecar readTorchScriptSidecar(const std::filesystem::path& model);

// A FusionMethod for one TorchScript model (name from the sidecar; Native colour). The model
// is loaded on first use (errors then name the file).
std::shared_ptr<const FusionMethod> makeTorchScriptMethod(const std::filesystem::path& model);

} // namespace vf::fusion
