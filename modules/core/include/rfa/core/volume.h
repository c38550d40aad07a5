#pragma once
/// \file volume.h
/// \brief A 3D image or label map: an ImageGeometry (LPS mm) plus voxel values stored x-fastest
/// (linear index = i + nx * (j + ny * k)), the layout of DICOM frames stacked along k.

#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "rfa/core/geometry.h"

namespace rfa {

/// \brief Allocator whose value-less construct() leaves trivial types uninitialised, so that a
/// volume about to be overwritten is not first zeroed (saves a pass over memory on large loads).
template <class T>
struct DefaultInitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  DefaultInitAllocator() noexcept = default;
  template <class U>
  explicit DefaultInitAllocator(const DefaultInitAllocator<U>& /*other*/) noexcept {}
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

/// \brief Voxel container with geometry. Value semantics (copy = deep copy; move is cheap).
template <class T>
class Volume {
 public:
  using value_type = T;

  Volume() = default;
  /// \brief Allocates geometry.voxelCount() voxels set to `fill`.
  explicit Volume(ImageGeometry geometry, T fill = T{})
      : geometry_(std::move(geometry)), data_(geometry_.voxelCount(), fill) {}

  /// \brief Allocates without initialising the voxels: every voxel must be written before it is
  /// read. For loaders that fill the whole grid.
  [[nodiscard]] static Volume uninitialized(const ImageGeometry& geometry) {
    Volume v;
    v.geometry_ = geometry;
    v.data_ = Storage(v.geometry_.voxelCount());
    return v;
  }

  [[nodiscard]] const ImageGeometry& geometry() const { return geometry_; }
  [[nodiscard]] const Size3& size() const { return geometry_.size(); }
  [[nodiscard]] std::size_t voxelCount() const { return data_.size(); }
  [[nodiscard]] bool empty() const { return data_.empty(); }

  [[nodiscard]] std::size_t linearIndex(std::size_t i, std::size_t j, std::size_t k) const {
    const auto& s = geometry_.size();
    return i + s[0] * (j + s[1] * k);
  }
  /// \brief Voxel access without bounds check.
  [[nodiscard]] T& operator()(std::size_t i, std::size_t j, std::size_t k) {
    return data_[linearIndex(i, j, k)];
  }
  [[nodiscard]] const T& operator()(std::size_t i, std::size_t j, std::size_t k) const {
    return data_[linearIndex(i, j, k)];
  }
  /// \brief All voxels, x fastest.
  [[nodiscard]] std::span<T> data() { return data_; }
  [[nodiscard]] std::span<const T> data() const { return data_; }
  /// \brief One slice k (nx * ny voxels).
  [[nodiscard]] std::span<T> slice(std::size_t k) {
    const std::size_t n = geometry_.size()[0] * geometry_.size()[1];
    return std::span<T>(data_).subspan(k * n, n);
  }
  [[nodiscard]] std::span<const T> slice(std::size_t k) const {
    const std::size_t n = geometry_.size()[0] * geometry_.size()[1];
    return std::span<const T>(data_).subspan(k * n, n);
  }

 private:
  using Storage = std::vector<T, DefaultInitAllocator<T>>;
  ImageGeometry geometry_;
  Storage data_;
};

using ImageVolume = Volume<float>;  ///< intensities: Hounsfield units for CT, scaled values for MR
using LabelMap = Volume<std::uint16_t>;  ///< 0 = background, 1..N = labels or instances
using Mask = Volume<std::uint8_t>;       ///< 0 / 1

}  // namespace rfa
