#pragma once
// The fusion framework's public interface: typed method parameters, colour policies, the
// FusionMethod base class (image-level methods and video-level methods alike) and the
// MethodRegistry. No Qt, no LibTorch.
//
// Conventions
// -----------
// * Frames handed to fuseFrame()/fuseSequence() are cv::Mat 8-bit BGR (CV_8UC3) or grey
//   (CV_8UC1). IR may be 1 channel or 3 (equal) channels; it is converted to grey. Visible
//   may be colour or grey. IR and visible must have the same size (vf::Error Mismatch).
// * FusionMethod::fuseGray() receives two single-channel CV_32FC1 images in [0, 1] of equal
//   size (IR grey, visible luminance or one visible channel) and returns one CV_32FC1
//   image of the same size, nominally in [0, 1]; the colour-policy code clamps it to
//   [0, 1] and rounds to 8 bits. Implementations must not modify their inputs.
// * Output of fuseFrame(): CV_8UC3 when the visible input has colour, CV_8UC1 when the
//   visible input is grey (there is no chroma to restore).
// * All fuse functions are const and may be called from several threads at once.
//   Methods that hold heavy state (learned models) load it lazily and serialise internally.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <opencv2/core.hpp>

#include "core/common/Error.h"
#include "core/common/Progress.h"

namespace vf::fusion {

// ---------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------

// One typed parameter, enough for a GUI to build a form and for the CLI to parse
// `--param key=value`.
struct ParamSpec {
    enum Type {
        Int,    // whole number in [min, max]; value held as double
        Double, // real number in [min, max]
        Bool,   // 0 / 1 (CLI accepts true/false/yes/no/on/off/1/0)
        Choice, // one of `choices`; defaultValue is the index of the default choice
        Path,   // a file path (string); defaultText is the default ("" = none)
        Text    // free text (string); defaultText is the default
    };
    std::string key, label, description;
    Type type = Double;
    double defaultValue = 0, min = 0, max = 0;
    std::vector<std::string> choices; // Choice only
    std::string defaultText;          // Path / Text only
    std::string fileFilter;           // Path only: e.g. "Checkpoints (*.pth *.pt)"

    // Convenience constructors.
    static ParamSpec integer(std::string key, std::string label, std::string description, int def,
                             int min, int max);
    static ParamSpec real(std::string key, std::string label, std::string description, double def,
                          double min, double max);
    static ParamSpec boolean(std::string key, std::string label, std::string description, bool def);
    static ParamSpec choice(std::string key, std::string label, std::string description,
                            std::vector<std::string> choices, int defaultIndex = 0);
    static ParamSpec path(std::string key, std::string label, std::string description,
                          std::string def = {}, std::string fileFilter = {});
    static ParamSpec text(std::string key, std::string label, std::string description,
                          std::string def = {});

    bool isNumeric() const { return type == Int || type == Double || type == Bool; }
    // "int", "double", "bool", "choice", "path", "text"
    const char* typeName() const;
    // The default as text ("7", "0.5", "true", "minmax", "/path").
    std::string defaultAsText() const;
    // "[1, 64]", "{minmax, clamp}", "" for bool/path/text.
    std::string rangeAsText() const;
};

// A parameter value: numbers (Int/Double/Bool) as double; Choice, Path, Text as string.
// A Choice may also be given as its index (double); resolveParams() turns it into the name.
using ParamValue = std::variant<double, std::string>;
using ParamValues = std::map<std::string, ParamValue>;

// Checks `given` against `specs` and returns a complete set (defaults filled in, Choice
// values as names, Int values integral). Throws vf::Error(InvalidArgument) naming the
// method, the key, the value and the allowed range/choices for: an unknown key, a value of
// the wrong kind, a number outside [min, max], a non-integral Int, an unknown choice.
ParamValues resolveParams(const std::vector<ParamSpec>& specs, const ParamValues& given,
                          const std::string& methodName = {});

// Parses the text form of a value for `spec` (used by the CLI and settings files). Throws
// vf::Error(InvalidArgument) naming the key and the text. Range is checked by resolveParams.
ParamValue parseParamValue(const ParamSpec& spec, const std::string& text);
// Parses "key=value" against `specs`; throws for an unknown key or a missing '='.
std::pair<std::string, ParamValue> parseParamAssignment(const std::vector<ParamSpec>& specs,
                                                        const std::string& assignment,
                                                        const std::string& methodName = {});
std::string paramValueToText(const ParamValue& v);

// Typed access to a resolved set; throw vf::Error(InvalidArgument) when the key is absent or
// has the other kind.
double paramNumber(const ParamValues& p, const std::string& key);
int paramInt(const ParamValues& p, const std::string& key);
bool paramBool(const ParamValues& p, const std::string& key);
std::string paramString(const ParamValues& p, const std::string& key); // Choice/Path/Text

// ---------------------------------------------------------------------------------------
// Colour
// ---------------------------------------------------------------------------------------

enum class ColorPolicy {
    LumaY,      // fuse the visible Y (of YCrCb) with IR grey, restore visible chroma (default)
    PerChannel, // fuse each visible channel (B, G, R) with IR grey, as VIFB does
    Native      // the method handles colour itself (FusionMethod::fuseNative)
};
const char* colorPolicyName(ColorPolicy p);               // "luma", "per-channel", "native"
ColorPolicy colorPolicyFromName(const std::string& name); // throws InvalidArgument

// ---------------------------------------------------------------------------------------
// Sequences (video-level work)
// ---------------------------------------------------------------------------------------

// A registered IR/visible frame sequence, random access by index. Adapters exist for
// vf::io sources (SourcePairSequence in SequenceSources.h) and for in-memory frames
// (MemoryPairSequence).
class PairSequence {
public:
    virtual ~PairSequence() = default;
    virtual int size() const = 0;
    // Frame `index` of both modalities (8-bit, BGR or grey, equal size).
    virtual void read(int index, cv::Mat& ir, cv::Mat& vi) = 0;
    // A name for frame `index` (the input file name for folders, "" otherwise).
    virtual std::string frameName(int /*index*/) const { return {}; }
};

// In-memory pair sequence (tests, small clips, the GUI's cache).
class MemoryPairSequence : public PairSequence {
public:
    MemoryPairSequence(std::vector<cv::Mat> ir, std::vector<cv::Mat> vi,
                       std::vector<std::string> names = {});
    int size() const override;
    void read(int index, cv::Mat& ir, cv::Mat& vi) override;
    std::string frameName(int index) const override;

private:
    std::vector<cv::Mat> ir_, vi_;
    std::vector<std::string> names_;
};

// One final output frame of a sequence run. `fused` follows fuseFrame()'s output convention
// (video methods return CV_8UC3). `restoredIr` / `restoredVi` are set by methods that
// restore their inputs (VideoFusion) when asked for, empty otherwise.
struct FusedFrame {
    int index = 0;
    cv::Mat fused, restoredIr, restoredVi;
};
// Receives each output frame as soon as it is final, in increasing index order.
using FrameSink = std::function<void(const FusedFrame&)>;

struct SequenceOptions {
    int start = 0;  // first frame of the PairSequence to fuse
    int count = -1; // number of frames (-1 = to the end)
    bool wantRestored = false;
    vf::ProgressFn progress;                 // (frames done, frames total, text)
    const vf::CancelToken* cancel = nullptr; // checked between frames / clips
};

// The span [first, first+count) that `o` selects in `seq`; throws vf::Error(InvalidArgument)
// when start is outside the sequence or nothing is selected.
std::pair<int, int> sequenceSpan(const PairSequence& seq, const SequenceOptions& o);

struct SequenceStats {
    int frames = 0;
    double seconds = 0;
    double framesPerSecond() const { return seconds > 0 ? frames / seconds : 0; }
};

// ---------------------------------------------------------------------------------------
// Methods
// ---------------------------------------------------------------------------------------

enum class MethodKind {
    Image, // frame by frame; fuseSequence() runs fuseFrame() per frame
    Video  // uses temporal context; overrides fuseSequence()
};

class FusionMethod {
public:
    virtual ~FusionMethod() = default;

    virtual std::string name() const = 0; // registry key, lower case, e.g. "gff"
    virtual std::string displayName() const { return name(); } // e.g. "GFF (Li 2013)"
    virtual std::string description() const = 0; // one or two sentences, with the reference
    virtual std::vector<ParamSpec> params() const { return {}; }
    virtual ColorPolicy defaultColorPolicy() const { return ColorPolicy::LumaY; }
    virtual MethodKind kind() const { return MethodKind::Image; }
    virtual bool isLearned() const { return false; }

    // Core grey fusion (see conventions above): CV_32FC1 [0,1] in, CV_32FC1 out.
    virtual cv::Mat fuseGray(const cv::Mat& ir, const cv::Mat& vi,
                             const ParamValues& params) const = 0;

    // Colour handled by the method (ColorPolicy::Native). Inputs as for fuseFrame() (8-bit;
    // IR already grey CV_8UC1, visible BGR or grey); output as fuseFrame(). The default
    // implementation applies LumaY.
    virtual cv::Mat fuseNative(const cv::Mat& irGray8, const cv::Mat& vi8,
                               const ParamValues& params) const;

    // Fuses frames [start, start+count) of `seq`, calling `sink` for each final frame in
    // order. The default runs fuseFrame() per frame with the method's default colour policy.
    // Video methods override it. `params` must be resolved (resolveParams). Throws
    // vf::Error(Cancelled) when cancelled.
    virtual SequenceStats fuseSequence(PairSequence& seq, const ParamValues& params,
                                       const FrameSink& sink,
                                       const SequenceOptions& options = {}) const;
};

// Fuses one frame pair with `method` under `policy` (implements the colour policies once for
// all methods). `params` are resolved here (unknown keys / out of range throw). IR: CV_8UC1
// or CV_8UC3 (converted to grey); visible: CV_8UC1 or CV_8UC3; also CV_16U (scaled) and
// CV_32F in [0,1] are accepted. Throws vf::Error(Mismatch) for different sizes,
// vf::Error(InvalidArgument) for empty or unsupported images.
cv::Mat fuseFrame(const FusionMethod& method, const cv::Mat& ir, const cv::Mat& vi,
                  const ParamValues& params, ColorPolicy policy);
// Same with the method's default colour policy.
cv::Mat fuseFrame(const FusionMethod& method, const cv::Mat& ir, const cv::Mat& vi,
                  const ParamValues& params = {});

// Helpers shared by methods and the colour code.
cv::Mat toGrayFloat(const cv::Mat& img); // any supported input -> CV_32FC1 [0,1]
cv::Mat floatToU8(const cv::Mat& f);     // clamp [0,1], *255, round -> 8U
void checkPair(const cv::Mat& ir, const cv::Mat& vi, const std::string& what = {});

// A method with its parameters bound (validated at creation) and its colour policy.
struct ConfiguredMethod {
    std::shared_ptr<const FusionMethod> method;
    ParamValues params; // resolved
    ColorPolicy policy = ColorPolicy::LumaY;

    cv::Mat fuse(const cv::Mat& ir, const cv::Mat& vi) const;
    SequenceStats fuseSequence(PairSequence& seq, const FrameSink& sink,
                               const SequenceOptions& options = {}) const;
};

// ---------------------------------------------------------------------------------------
// Registry
// ---------------------------------------------------------------------------------------

class MethodRegistry {
public:
    using Factory = std::function<std::shared_ptr<const FusionMethod>()>;

    // Adds a method. Names are compared case-insensitively; a duplicate name throws
    // vf::Error(InvalidArgument). The factory is called at most once (lazily, thread-safe);
    // the method it returns must report `name`.
    void add(const std::string& name, Factory factory);
    void add(std::shared_ptr<const FusionMethod> method);

    std::vector<std::string> names() const; // in registration order
    // All methods (instantiated), in registration order.
    std::vector<std::shared_ptr<const FusionMethod>> methods() const;
    // nullptr when unknown (case-insensitive).
    std::shared_ptr<const FusionMethod> find(const std::string& name) const;
    // Throws vf::Error(NotFound) listing the known names when unknown.
    std::shared_ptr<const FusionMethod> get(const std::string& name) const;
    bool contains(const std::string& name) const { return find(name) != nullptr; }

    // Looks the method up, validates `params`, and binds them with `policy` (default: the
    // method's own default policy).
    ConfiguredMethod create(const std::string& name, const ParamValues& params = {}) const;
    ConfiguredMethod create(const std::string& name, const ParamValues& params,
                            ColorPolicy policy) const;

    // The process-wide registry with every built-in method (classical baselines, SeAFusion,
    // VideoFusion per frame and per clip, ...). Built on first use.
    static const MethodRegistry& builtin();

private:
    struct Entry;
    std::vector<std::shared_ptr<Entry>> entries_;
};

// Adds the built-in methods to `reg` (what builtin() holds). Useful for a custom registry.
void registerBuiltinMethods(MethodRegistry& reg);

} // namespace vf::fusion
