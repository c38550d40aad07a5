#include "itk_region_growing.h"

#include <itkConnectedThresholdImageFilter.h>
#include <itkImage.h>
#include <itkImportImageFilter.h>

namespace rfa::bench {

std::size_t itkConnectedThreshold(const float* voxels, const std::array<std::size_t, 3>& size,
                                  const std::array<double, 3>& spacing,
                                  const std::array<long, 3>& seed, float lower, float upper) {
  using Image = itk::Image<float, 3>;
  auto import = itk::ImportImageFilter<float, 3>::New();
  Image::SizeType sz;
  Image::IndexType start;
  double sp[3];
  for (unsigned a = 0; a < 3; ++a) {
    sz[a] = size[a];
    start[a] = 0;
    sp[a] = spacing[a];
  }
  import->SetRegion(Image::RegionType(start, sz));
  import->SetSpacing(sp);
  import->SetImportPointer(const_cast<float*>(voxels), size[0] * size[1] * size[2], false);
  auto grow = itk::ConnectedThresholdImageFilter<Image, itk::Image<unsigned char, 3>>::New();
  grow->SetInput(import->GetOutput());
  grow->SetLower(lower);
  grow->SetUpper(upper);
  grow->SetReplaceValue(1);
  Image::IndexType s;
  for (unsigned a = 0; a < 3; ++a) s[a] = seed[a];
  grow->SetSeed(s);
  grow->Update();
  std::size_t n = 0;
  const auto* out = grow->GetOutput()->GetBufferPointer();
  for (std::size_t i = 0; i < size[0] * size[1] * size[2]; ++i) n += out[i] != 0 ? 1 : 0;
  return n;
}

}  // namespace rfa::bench
