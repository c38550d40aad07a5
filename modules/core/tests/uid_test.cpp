#include <gtest/gtest.h>

#include <set>

#include "rfa/core/uid.h"

namespace rfa {
namespace {

TEST(Uid, FreshUidsAreValidAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string u = makeUid();
    ASSERT_TRUE(isValidUid(u)) << u;
    ASSERT_LE(u.size(), 64U);
    ASSERT_EQ(u.rfind("2.25.", 0), 0U);
    ASSERT_TRUE(seen.insert(u).second) << "duplicate " << u;
  }
}

TEST(Uid, KeyedUidsAreDeterministic) {
  EXPECT_EQ(makeUidFromKey("phantom/42/study"), makeUidFromKey("phantom/42/study"));
  EXPECT_NE(makeUidFromKey("phantom/42/study"), makeUidFromKey("phantom/43/study"));
  EXPECT_TRUE(isValidUid(makeUidFromKey("")));
}

TEST(Uid, Validation) {
  EXPECT_TRUE(isValidUid("1.2.840.10008.5.1.4.1.1.2"));
  EXPECT_FALSE(isValidUid("1.02.3"));
  EXPECT_FALSE(isValidUid("1..2"));
  EXPECT_FALSE(isValidUid("1.2."));
  EXPECT_FALSE(isValidUid("1.2a"));
  EXPECT_FALSE(isValidUid(""));
  EXPECT_FALSE(isValidUid(std::string(65, '1')));
  EXPECT_TRUE(isValidUid("0.1"));
}

}  // namespace
}  // namespace rfa
