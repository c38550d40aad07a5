#pragma once
/// \file deidentify.h
/// \brief De-identification of DICOM files by the Basic Application Level Confidentiality Profile
/// (PS3.15 E.1, profile.h), optionally with the Retain Longitudinal Temporal Information with Full
/// Dates Option and, for objects rfaplan wrote itself, the Clean Descriptors Option.
///
/// Per data element, at every sequence depth: private attributes removed; each attribute of
/// Table E.1-1 acted on (X removed; Z emptied; D a dummy of its VR; U remapped through the
/// Mapping; X/Z, X/Z/D emptied; X/D removed; Z/D emptied, but a dummy where the object's IOD makes
/// it Type 1: Content Date/Time of a Segmentation; X/Z/U* kept with its UIDs remapped); Patient's
/// Name and Patient ID become the Mapping's pseudonym. Added: Patient Identity Removed (0012,0062)
/// YES, De-identification Method (0012,0063) and its Code Sequence (0012,0064: 113100, with 113106
/// and 113105 when those options are used), Longitudinal Temporal Information Modified (0028,0303).
/// Pixel data is copied as is: a file declaring Burned In Annotation YES is refused.

#include <cstddef>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "rfa/deid/mapping.h"

namespace rfa::deid {

/// \brief What to keep beyond the Basic Profile.
struct DeidOptions {
  /// Retain Longitudinal Temporal Information with Full Dates Option (113106): attributes of VR
  /// DA, DT and TM are kept.
  bool retain_dates = false;
  /// Clean Descriptors Option (113105), for objects rfaplan wrote: a descriptor (ROI Name and
  /// Description, ROI Observation Label, Structure Set Label/Name/Description, Series Description)
  /// whose whole value is one of these strings is kept; any other value gets the Basic action.
  /// Empty: the option is not used.
  std::set<std::string> known_descriptors;
  std::string software = "rfaplan";  ///< named in De-identification Method
};

/// \brief What one file's de-identification did.
struct DeidFileResult {
  std::filesystem::path input;
  std::filesystem::path output;
  std::string sop_class_uid;
  std::string sop_instance_uid;  ///< the replacement
  std::size_t removed = 0;       ///< attributes removed (private ones included)
  std::size_t private_removed = 0;
  std::size_t emptied = 0;
  std::size_t replaced = 0;  ///< dummies and pseudonyms
  std::size_t uids = 0;      ///< UID values remapped
  std::size_t kept_descriptors = 0;
};

/// \brief De-identifies `in` into `out` (explicit VR little endian unless compressed: the transfer
/// syntax is kept; written atomically).
/// \throws NotFoundError / CorruptDataError naming `in` when it is missing or not DICOM;
/// UnsupportedError when it declares Burned In Annotation YES; WriteError naming `out`.
DeidFileResult deidentifyFile(const std::filesystem::path& in, const std::filesystem::path& out,
                              Mapping& mapping, const DeidOptions& options = {});

/// \brief What a folder's de-identification did.
struct DeidFolderResult {
  std::vector<DeidFileResult> files;  ///< in input order (sorted paths)
  std::vector<std::string> skipped;   ///< "<file>: <why>" for files that are not DICOM
};

/// \brief De-identifies every DICOM file under `in` (recursively; DICOMDIR and non-DICOM files
/// skipped with a reason) into `out`, each named "<replacement SOP Instance UID>.dcm" (flat: the
/// input names may hold identifiers). `out` is created 0700 and its files are 0600.
/// \throws NotFoundError when `in` does not exist; NoDataError when it holds no DICOM file; what
/// deidentifyFile() throws; UsageError when `out` is inside `in` or holds `mapping`'s file.
DeidFolderResult deidentifyFolder(const std::filesystem::path& in, const std::filesystem::path& out,
                                  Mapping& mapping, const DeidOptions& options = {});

/// \brief deidentifyFolder() of a list of files (e.g. the slices of one series), in that order.
DeidFolderResult deidentifyFiles(const std::vector<std::filesystem::path>& files,
                                 const std::filesystem::path& out, Mapping& mapping,
                                 const DeidOptions& options = {});

/// \brief Throws UsageError when `mapping_file` is `out` or lies inside the folder `out`: the
/// mapping is kept locally and never exported with the de-identified data.
void checkMappingOutside(const std::filesystem::path& mapping_file,
                         const std::filesystem::path& out);

}  // namespace rfa::deid
