// Simulated B-mode images: shadows behind every rib crossing the beam (analytic ray geometry),
// lesion echo contrast following the CT contrast, anechoic fluid with posterior enhancement, the
// image-to-LPS mapping, determinism and bad options.
#include <gtest/gtest.h>

#include <cmath>

#include "rfa/core/error.h"
#include "rfa/ultrasound/bmode.h"
#include "rfa/ultrasound/probe.h"

namespace rfa::ultrasound {
namespace {

// A soft-tissue block (1 mm voxels, x 0..39, y 0..139, z 0..159 mm) with air in front of the
// skin plane y = 10; the probe sits on the skin at (20, 10, 80), beam +y, lateral +z.
constexpr double kSkinY = 10;
const Vec3 kContact(20, kSkinY, 80);

struct Block {
  ImageGeometry g{{40, 140, 160}, Vec3(1, 1, 1), Vec3(0, 0, 0)};
  ImageVolume ct{g, 60.0F};
  Mask fluid{g, 0};
  explicit Block(float tissue_hu = 60.0F) : ct(g, tissue_hu) {
    forEach([&](std::size_t i, std::size_t j, std::size_t k, const Vec3& p) {
      if (p.y() < kSkinY) ct(i, j, k) = -1000.0F;
    });
  }
  template <class F>
  void forEach(F f) {
    for (std::size_t k = 0; k < 160; ++k) {
      for (std::size_t j = 0; j < 140; ++j) {
        for (std::size_t i = 0; i < 40; ++i) {
          f(i, j, k,
            g.indexToLps(
                Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k))));
        }
      }
    }
  }
  // A bone cylinder along x with centre (y, z) and radius r.
  void rib(double y, double z, double r) {
    forEach([&](std::size_t i, std::size_t j, std::size_t k, const Vec3& p) {
      if (std::hypot(p.y() - y, p.z() - z) <= r) ct(i, j, k) = 1000.0F;
    });
  }
  void sphere(const Vec3& c, double r, float hu, bool is_fluid = false) {
    forEach([&](std::size_t i, std::size_t j, std::size_t k, const Vec3& p) {
      if ((p - c).norm() <= r) {
        ct(i, j, k) = hu;
        if (is_fluid) fluid(i, j, k) = 1;
      }
    });
  }
};

ProbePose pose() {
  ProbePose p;
  p.contact_lps = kContact;
  p.axial = Vec3(0, 1, 0);
  p.lateral = Vec3(0, 0, 1);
  return p;
}

BModeImage simulate(const Block& b, const BModeOptions& o = {}) {
  AcousticMedium m;
  m.ct = &b.ct;
  return simulateBMode(m, loadProbe("curvilinear-abdominal"), pose(), o);
}

// Mean grey of the fan's pixels that `pick` selects (by their LPS point), and how many.
template <class F>
std::pair<double, int> meanGrey(const BModeImage& img, F pick) {
  double sum = 0;
  int n = 0;
  for (int r = 0; r < img.height; ++r) {
    for (int c = 0; c < img.width; ++c) {
      const std::size_t o = static_cast<std::size_t>(r) * static_cast<std::size_t>(img.width) +
                            static_cast<std::size_t>(c);
      if (img.inside[o] == 0) continue;
      if (!pick(img.lpsOf(c, r))) continue;
      sum += img.grey[o];
      ++n;
    }
  }
  return {n > 0 ? sum / n : 0.0, n};
}

// Distance in the imaging plane (y, z) from the rib centre to the scan line through `p`: the
// line from the curvilinear probe's centre of curvature (50 mm above the contact point).
double lineToRibMm(const Vec3& p, double rib_y, double rib_z) {
  const Vec3 apex = kContact - Vec3(0, 50, 0);
  const Vec3 d = Vec3(0, p.y() - apex.y(), p.z() - apex.z()).normalized();
  const Vec3 c(0, rib_y - apex.y(), rib_z - apex.z());
  return (c - c.dot(d) * d).norm();
}

TEST(BMode, ShadowBehindEveryRibCrossingTheBeam) {
  Block b;
  // Two ribs 12 mm under the skin, 36 mm apart, both within the fan's aperture.
  const double rib_y = kSkinY + 12;
  const std::array<double, 2> rib_z{62, 98};
  constexpr double kRadius = 5;
  for (const double z : rib_z) b.rib(rib_y, z, kRadius);
  const BModeImage img = simulate(b);
  // Beyond the ribs (20-80 mm deep): lines passing through a rib (centre distance < r - 1 mm)
  // against lines passing clear of every rib (> r + 3 mm), at the same depths.
  const auto deep = [&](const Vec3& p) { return p.y() > rib_y + 10 && p.y() < kSkinY + 80; };
  const auto [clear, n_clear] = meanGrey(img, [&](const Vec3& p) {
    return deep(p) && lineToRibMm(p, rib_y, rib_z[0]) > kRadius + 3 &&
           lineToRibMm(p, rib_y, rib_z[1]) > kRadius + 3;
  });
  ASSERT_GT(n_clear, 1000);
  EXPECT_GT(clear, 80) << "soft tissue beside the ribs is not dark";
  for (const double z : rib_z) {
    const auto [shadow, n_shadow] = meanGrey(
        img, [&](const Vec3& p) { return deep(p) && lineToRibMm(p, rib_y, z) < kRadius - 1; });
    ASSERT_GT(n_shadow, 200) << "rib at z " << z;
    EXPECT_LT(shadow, 0.1 * clear) << "rib at z " << z << ": shadow " << shadow << " vs " << clear;
  }
  // The rib's front surface is a bright echo: the pixels just in front of its centre line.
  const auto [surface, n_surface] = meanGrey(img, [&](const Vec3& p) {
    return std::abs(p.z() - rib_z[0]) < 2 && p.y() > rib_y - kRadius - 0.8 &&
           p.y() < rib_y - kRadius + 1.2;
  });
  ASSERT_GT(n_surface, 5);
  EXPECT_GT(surface, clear + 30);
}

TEST(BMode, LesionEchoContrastFollowsTheCtContrast) {
  const Vec3 centre(20, kSkinY + 60, 80);
  constexpr double kR = 12;
  for (const float hu : {30.0F, 100.0F}) {
    Block b(60.0F);
    b.sphere(centre, kR, hu);
    const BModeImage img = simulate(b);
    const auto [inside, n_in] =
        meanGrey(img, [&](const Vec3& p) { return (p - centre).norm() < kR - 2; });
    // Beside the lesion at the same depths (not behind it).
    const auto [beside, n_beside] = meanGrey(img, [&](const Vec3& p) {
      return std::abs(p.y() - centre.y()) < kR - 2 && std::abs(p.z() - centre.z()) > kR + 6 &&
             std::abs(p.z() - centre.z()) < kR + 26;
    });
    ASSERT_GT(n_in, 300);
    ASSERT_GT(n_beside, 300);
    if (hu < 60) {
      EXPECT_LT(inside, beside - 20) << "hypodense lesion must be hypoechoic";
    } else {
      EXPECT_GT(inside, beside + 20) << "hyperdense lesion must be hyperechoic";
    }
  }
}

TEST(BMode, FluidIsAnechoicWithPosteriorEnhancement) {
  Block b;
  const Vec3 centre(20, kSkinY + 40, 80);
  constexpr double kR = 10;
  b.sphere(centre, kR, 180.0F, true);  // contrast-enhanced vessel: bright on CT, fluid for sound
  AcousticMedium m;
  m.ct = &b.ct;
  BModeOptions o;
  o.fluid = &b.fluid;
  const BModeImage img = simulateBMode(m, loadProbe("curvilinear-abdominal"), pose(), o);
  const auto [inside, n_in] =
      meanGrey(img, [&](const Vec3& p) { return (p - centre).norm() < kR - 2; });
  const auto [beside, n_beside] = meanGrey(img, [&](const Vec3& p) {
    return std::abs(p.y() - centre.y()) < kR - 2 && std::abs(p.z() - centre.z()) > kR + 15;
  });
  const auto [behind, n_behind] = meanGrey(img, [&](const Vec3& p) {
    return p.y() > centre.y() + kR + 3 && p.y() < centre.y() + kR + 20 &&
           std::abs(p.z() - centre.z()) < 3;
  });
  const auto [level, n_level] = meanGrey(img, [&](const Vec3& p) {
    return p.y() > centre.y() + kR + 3 && p.y() < centre.y() + kR + 20 &&
           std::abs(p.z() - centre.z()) > kR + 15;
  });
  ASSERT_GT(n_in, 200);
  ASSERT_GT(n_beside, 200);
  ASSERT_GT(n_behind, 50);
  ASSERT_GT(n_level, 200);
  EXPECT_LT(inside, 0.3 * beside);
  EXPECT_GT(behind, level + 5) << "no posterior enhancement behind fluid";
}

TEST(BMode, PixelMappingDeterminismAndFanMask) {
  Block b;
  const BModeImage a = simulate(b);
  const BModeImage c = simulate(b);
  EXPECT_EQ(a.grey, c.grey);
  ASSERT_EQ(a.width, 512);
  ASSERT_EQ(a.height, 512);
  // Pixel <-> LPS round trip, and the contact point near the top centre.
  const Vec3 p = a.lpsOf(100.0, 200.0);
  EXPECT_NEAR(a.pixelOf(p)[0], 100.0, 1e-9);
  EXPECT_NEAR(a.pixelOf(p)[1], 200.0, 1e-9);
  const auto contact = a.pixelOf(kContact);
  EXPECT_NEAR(contact[0], 255.5, 1.0);
  EXPECT_LT(contact[1], 0.15 * a.height);
  // The CT ends at y = 139 mm and z = 0 / 159 mm: fan pixels beyond are marked as not covered,
  // those well inside as covered.
  int beyond = 0;
  int within = 0;
  for (int r = 0; r < a.height; ++r) {
    for (int col = 0; col < a.width; ++col) {
      const std::size_t o = static_cast<std::size_t>(r) * 512U + static_cast<std::size_t>(col);
      if (a.inside[o] == 0) continue;
      const Vec3 q = a.lpsOf(col, r);
      const double y = q.y();
      if (y > 141 || q.z() < -1 || q.z() > 160) {
        EXPECT_EQ(a.covered[o], 0) << col << "," << r;
        ++beyond;
      } else if (y > kSkinY + 2 && y < 130 && q.z() > 1 && q.z() < 158) {
        EXPECT_EQ(a.covered[o], 1) << col << "," << r;
        ++within;
      }
    }
  }
  EXPECT_GT(beyond, 1000);
  EXPECT_GT(within, 1000);
  // Top corners are outside a curvilinear fan: black and marked outside.
  EXPECT_EQ(a.inside[0], 0);
  EXPECT_EQ(a.grey[0], 0);
  // A different speckle seed changes the texture, not the mean brightness much.
  BModeOptions o;
  o.seed = 99;
  const BModeImage d = simulate(b, o);
  EXPECT_NE(a.grey, d.grey);
  const auto mean = [](const BModeImage& img) {
    return meanGrey(img, [](const Vec3& q) { return q.y() > kSkinY + 5; }).first;
  };
  EXPECT_NEAR(mean(a), mean(d), 3.0);
}

TEST(BMode, BadOptionsAreUsageErrors) {
  Block b;
  BModeOptions o;
  o.width = 4;
  EXPECT_THROW((void)simulate(b, o), UsageError);
  o = {};
  o.dynamic_range_db = 5;
  EXPECT_THROW((void)simulate(b, o), UsageError);
  AcousticMedium m;
  EXPECT_THROW((void)simulateBMode(m, loadProbe("curvilinear-abdominal"), pose()), UsageError);
}

}  // namespace
}  // namespace rfa::ultrasound
