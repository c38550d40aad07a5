// Fuzz build only, force-included (-include) before ITK's headers: Debian's ITK 5.2 ships a
// generated itk_compiler_detection.h that stops with "Unsupported compiler" for anything but GCC.
// The ITK headers the volume reader includes (ImageIOBase and the NRRD/NIfTI/MetaImage IO classes)
// are plain C++ that clang compiles, so the detection is run once here as for the GCC 12 that built
// ITK (every C++11/14 feature ITK asks about, all of which clang 14 has); its include guard then
// skips it where ITK includes it.
#pragma once
#pragma push_macro("__clang__")
#pragma push_macro("__GNUC__")
#pragma push_macro("__GNUC_MINOR__")
#undef __clang__
#undef __GNUC__
#undef __GNUC_MINOR__
#define __GNUC__ 12       // NOLINT(bugprone-reserved-identifier): the shim's purpose
#define __GNUC_MINOR__ 2  // NOLINT(bugprone-reserved-identifier)
#include <itk_compiler_detection.h>
#pragma pop_macro("__GNUC_MINOR__")
#pragma pop_macro("__GNUC__")
#pragma pop_macro("__clang__")
