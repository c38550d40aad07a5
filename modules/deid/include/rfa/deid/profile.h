#pragma once
/// \file profile.h
/// \brief The DICOM Basic Application Level Confidentiality Profile (PS3.15 Annex E, Table E.1-1,
/// 2024b): which attributes a de-identifier must remove, empty, replace with a dummy or replace
/// with a consistently remapped UID. Data only; deidentify.h applies it.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace rfa::deid {

/// \brief De-identification action codes of PS3.15 Table E.1-1a.
enum class Action {
  kD,    ///< replace with a non-zero-length dummy value consistent with the VR
  kZ,    ///< replace with a zero-length value (or a dummy)
  kX,    ///< remove
  kU,    ///< replace the UID with a non-zero-length UID, consistently within the set of objects
  kZD,   ///< Z unless D is required to keep the object conformant (Type 1)
  kXZ,   ///< X unless Z is required (Type 2)
  kXD,   ///< X unless D is required (Type 1)
  kXZD,  ///< X unless Z or D is required
  kXZU,  ///< X unless Z or replacement of the contained UIDs (U) is required (sequences)
};

/// \brief "D", "Z", "X", "U", "Z/D", "X/Z", "X/D", "X/Z/D", "X/Z/U*" as in the standard.
const char* actionCode(Action action);

/// \brief One row of Table E.1-1. A repeating group (50xx, 60xx) has group_mask 0xFF00; Curve Data
/// (50xx,xxxx) element_mask 0.
struct ProfileAttribute {
  std::uint16_t group = 0;
  std::uint16_t element = 0;
  std::uint16_t group_mask = 0xFFFF;
  std::uint16_t element_mask = 0xFFFF;
  Action action = Action::kX;
  const char* name = "";
  /// \brief True when (group, element) is this row's attribute (masks applied).
  [[nodiscard]] bool matches(std::uint16_t g, std::uint16_t e) const {
    return (g & group_mask) == group && (e & element_mask) == element;
  }
};

/// \brief Every row of Table E.1-1 with its Basic Profile action (620 attributes), sorted by tag.
/// Private attributes (odd groups) are not rows: the Basic Profile removes them all.
const std::vector<ProfileAttribute>& basicProfile();

/// \brief The row of (group, element), if the table lists it.
std::optional<ProfileAttribute> findProfileAttribute(std::uint16_t group, std::uint16_t element);

/// \brief PS3.16 CID 7050 codes written in De-identification Method Code Sequence (0012,0064).
inline constexpr std::string_view kBasicProfileCode = "113100";
inline constexpr std::string_view kCleanDescriptorsCode = "113105";
inline constexpr std::string_view kRetainFullDatesCode = "113106";

}  // namespace rfa::deid
