#pragma once
// File-name helpers shared by every module that lists frame folders.

#include <filesystem>
#include <string>

namespace vf {

// Natural ("human") ordering of file names: digit runs compare by value ("2.png" before
// "10.png"), other characters case-insensitively; ties (e.g. "01" vs "1", "a" vs "A") are
// broken so that the order is strict and total.
bool naturalLess(const std::string& a, const std::string& b);

// true if `p` has one of the image extensions the frame readers accept (png, jpg, jpeg,
// bmp, tif, tiff; any case).
bool isImageFile(const std::filesystem::path& p);

} // namespace vf
