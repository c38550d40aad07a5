#pragma once
/// \file uid.h
/// \brief DICOM UID generation under the 2.25 root (ISO/IEC 9834-8 UUID-derived, PS3.5 B.2).

#include <cstdint>
#include <string>
#include <string_view>

namespace rfa {

/// \brief A fresh random UID "2.25.<decimal 128-bit>" (<= 44 characters, valid UI VR).
std::string makeUid();

/// \brief A UID determined by `key` (same key -> same UID), for reproducible phantoms and tests.
std::string makeUidFromKey(std::string_view key);

/// \brief The UID of 128 given bits (hi, lo) under 2.25, with the UUID version and variant bits set
/// as makeUid() sets them (for keyed derivations, e.g. de-identification).
std::string makeUidFromBits(std::uint64_t hi, std::uint64_t lo);
/// \brief True if `uid` is a syntactically valid DICOM UID (PS3.5 9.1: digits and dots, <= 64
/// chars, no empty component, no leading zero in a multi-digit component).
bool isValidUid(std::string_view uid);

}  // namespace rfa
