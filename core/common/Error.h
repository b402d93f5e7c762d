#pragma once
// Typed errors for every public core function: a category a caller can branch on and a
// message a user can act on (it names the file and the problem).

#include <stdexcept>
#include <string>

namespace vf {

enum class ErrorCode {
    InvalidArgument,   // bad parameter or usage
    NotFound,          // file or folder does not exist
    Unreadable,        // exists but cannot be opened or decoded
    Unsupported,       // format/codec/layout not supported
    Corrupt,           // truncated or malformed content
    Mismatch,          // inputs that must agree do not (size, frame count, keys, shapes)
    WriteFailed,       // output could not be written
    Cancelled,         // the user cancelled
    Model,             // model/checkpoint problem
    Internal           // a bug: should not happen
};

const char* errorCodeName(ErrorCode c);

class Error : public std::runtime_error {
public:
    Error(ErrorCode code, const std::string& message, std::string path = {})
        : std::runtime_error(message), code_(code), path_(std::move(path)) {}
    ErrorCode code() const noexcept { return code_; }
    // The file the error is about, when there is one.
    const std::string& path() const noexcept { return path_; }

private:
    ErrorCode code_;
    std::string path_;
};

} // namespace vf
