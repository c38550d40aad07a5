#pragma once
/// \file lesion_edit.h
/// \brief Manual edits of the lesion labels (the radiologist's correction of a click-to-segment
/// result, e.g. the liver-density part of a heterogeneous metastasis that no intensity rule
/// separates): a spherical brush and eraser, and undo/redo of every lesion edit. Qt-free.
///
/// Frames and units: points are DICOM patient LPS in millimetres, radii in mm. A voxel belongs to
/// the brush when its centre lies within the radius (Euclidean distance in mm, grid axes as
/// given by the geometry, direction included).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "rfa/core/points.h"
#include "rfa/workflow/case_state.h"

namespace rfa::workflow {

/// \brief One dab of the brush or the eraser.
struct BrushStroke {
  Vec3 centre_lps{0, 0, 0};
  double radius_mm = 3.0;  ///< > 0
  int label = 0;           ///< paint: the lesion label to paint (1..65535); erase: 0 = any label
  bool erase = false;      ///< erase: voxels of `label` (or of any lesion when 0) become 0
};

/// \brief Applies one dab to state.segmentation.lesions (created when absent). Painting stays
/// inside the liver when the case has one and never overwrites another lesion's voxels. Marks the
/// plan stale and the segmentation "edited" when a voxel changed.
/// \returns the voxels changed. \throws UsageError for radius <= 0 or a label outside 1..65535
/// when painting (0..65535 when erasing).
std::size_t applyBrush(CaseState& state, const BrushStroke& stroke);

/// \brief The next free lesion label (largest + 1; 1 when there is none).
/// \throws UnsupportedError when 65535 is taken.
int nextLesionLabel(const CaseState& state);

/// \brief Undo/redo of lesion edits, stored as the changed voxels only (index, before, after).
/// Usage: begin(state, "what") before an edit (click-to-segment, a brush stroke, removing a
/// lesion), commit(state) after it; an edit that changed nothing is not recorded. A new commit
/// clears the redo list. Only segmentation.lesions is restored (an anatomy segmented on the way
/// stays).
class LesionEditHistory {
 public:
  /// Snapshots the lesion labels (a copy: transient, the size of the label map).
  void begin(const CaseState& state, std::string what);
  /// Records the difference with the snapshot; returns false when nothing changed (or no begin).
  bool commit(const CaseState& state);
  /// Drops an open begin() (the edit failed).
  void abandon();
  [[nodiscard]] bool canUndo() const { return !done_.empty(); }
  [[nodiscard]] bool canRedo() const { return !undone_.empty(); }
  [[nodiscard]] std::string undoText() const;  ///< "" when nothing to undo
  [[nodiscard]] std::string redoText() const;
  /// Restores the labels before the last edit; marks the plan stale. \throws UsageError when
  /// there is nothing to undo or the label map is not the one edited (another grid).
  void undo(CaseState& state);
  void redo(CaseState& state);
  void clear();
  /// Bytes held by the recorded edits (indices and values).
  [[nodiscard]] std::size_t bytes() const;

 private:
  struct Change {
    std::string what;
    std::vector<std::size_t> index;
    std::vector<std::uint16_t> before, after;
  };
  void apply(CaseState& state, const Change& c, bool forward) const;
  std::vector<Change> done_, undone_;
  std::string pending_what_;
  std::vector<std::uint16_t> snapshot_;
  bool pending_ = false;
};

}  // namespace rfa::workflow
