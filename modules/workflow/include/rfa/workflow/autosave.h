#pragma once
/// \file autosave.h
/// \brief Crash recovery: the open case's plan and segmentation written to an autosave folder
/// after every plan and manual edit, offered back when the program starts after a crash (the
/// folder is cleared on a clean exit). Qt-free.
///
/// Layout of the folder: autosave-plan.json (the plan, its source input made absolute, its
/// segmentation recorded as written beside it) and autosave-plan-segmentation/ (the NRRD files of
/// io::writeSegmentationFolder). Every file is replaced atomically.

#include <filesystem>
#include <optional>

#include "rfa/workflow/case_state.h"

namespace rfa::workflow {

/// \brief Writes the case's plan (when it has one) and, when `with_segmentation`, its
/// segmentation into `dir` (created; owner only: the folder 0700, its files 0600, whatever the
/// umask). The state is not changed. Returns false when there is no
/// plan (nothing written). \throws WriteError naming the file.
bool autosaveCase(const CaseState& state, const std::filesystem::path& dir, bool with_segmentation);

/// \brief The autosaved plan file in `dir`, when there is one.
std::optional<std::filesystem::path> findAutosave(const std::filesystem::path& dir);

/// \brief Removes the autosave of `dir` (a clean exit). Never throws.
void clearAutosave(const std::filesystem::path& dir) noexcept;

}  // namespace rfa::workflow
