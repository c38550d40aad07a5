// The Basic Application Level Confidentiality Profile table (profile.h).
#include <algorithm>

#include "rfa/deid/profile.h"

namespace rfa::deid {

const char* actionCode(Action action) {
  switch (action) {
    case Action::kD:
      return "D";
    case Action::kZ:
      return "Z";
    case Action::kX:
      return "X";
    case Action::kU:
      return "U";
    case Action::kZD:
      return "Z/D";
    case Action::kXZ:
      return "X/Z";
    case Action::kXD:
      return "X/D";
    case Action::kXZD:
      return "X/Z/D";
    case Action::kXZU:
      return "X/Z/U*";
  }
  return "?";
}

const std::vector<ProfileAttribute>& basicProfile() {
  static const std::vector<ProfileAttribute> table{
#include "basic_profile_table.inc"
  };
  return table;
}

std::optional<ProfileAttribute> findProfileAttribute(std::uint16_t group, std::uint16_t element) {
  const auto& t = basicProfile();
  const auto it = std::find_if(
      t.begin(), t.end(), [&](const ProfileAttribute& a) { return a.matches(group, element); });
  if (it == t.end()) return std::nullopt;
  return *it;
}

}  // namespace rfa::deid
