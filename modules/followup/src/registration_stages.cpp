// The ITK stages of the follow-up registration (registration_internal.h):
//  - rigid (or affine, RegistrationOptions::affine): VersorRigid3DTransform (AffineTransform),
//    ImageRegistrationMethodv4, Mattes mutual information (v4),
//    regular-step gradient descent with physical-shift scales, two levels (8 mm then 4 mm sample
//    grid), random sampling with a fixed seed, metric evaluated in one work unit (deterministic).
//  - deformable: BSplineTransform (cubic) with the classic ImageRegistrationMethod, the Mattes
//    metric of ITK's first registration framework and L-BFGS-B. That metric evaluates a B-spline
//    transform sparsely (64 control points per sample); the v4 metric loops over all parameters
//    (thousands at a 40 mm grid over a liver) for every sample and every histogram bin it
//    touches. Its samples are moved off the voxel centres (JitteredMattesMetric). Its
//    multithreaded sums are reduced in work-unit order and the work-unit count is fixed, so the
//    result does not depend on the machine's core count (checked: 1, 2 and 8 ITK threads give
//    the same bits).
#include <itkAffineTransform.h>
#include <itkBSplineTransform.h>
#include <itkImage.h>
#include <itkImageMaskSpatialObject.h>
#include <itkImageRegistrationMethod.h>
#include <itkImageRegistrationMethodv4.h>
#include <itkLBFGSBOptimizer.h>
#include <itkLinearInterpolateImageFunction.h>
#include <itkMattesMutualInformationImageToImageMetric.h>
#include <itkMattesMutualInformationImageToImageMetricv4.h>
#include <itkRegistrationParameterScalesFromPhysicalShift.h>
#include <itkRegularStepGradientDescentOptimizerv4.h>
#include <itkVersorRigid3DTransform.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "registration_internal.h"
#include "rfa/core/error.h"
#include "rfa/core/parallel.h"

namespace rfa::followup::regdetail {

namespace {

using ItkImage = itk::Image<float, 3>;
using ItkMaskImage = itk::Image<unsigned char, 3>;
using MaskObject = itk::ImageMaskSpatialObject<3>;

constexpr unsigned kHistogramBins = 40;
constexpr std::size_t kMinSamples = 2000;              // floor of the metric's sample count
constexpr itk::ThreadIdType kDeformableWorkUnits = 8;  // fixed: results independent of cores
constexpr double kRigidStepMm[2] = {4.0, 1.0};         // initial step per level (mm)
constexpr double kRigidMinStepMm = 0.01;

template <class ImageT, class T>
typename ImageT::Pointer toItk(const Volume<T>& v) {
  auto img = ImageT::New();
  const ImageGeometry& g = v.geometry();
  typename ImageT::RegionType region;
  typename ImageT::SizeType size;
  typename ImageT::SpacingType spacing;
  typename ImageT::PointType origin;
  typename ImageT::DirectionType direction;
  for (unsigned a = 0; a < 3; ++a) {
    size[a] = g.size()[a];
    spacing[a] = g.spacing()[a];
    origin[a] = g.origin()[a];
    for (unsigned b = 0; b < 3; ++b) direction(a, b) = g.direction()(a, b);
  }
  region.SetSize(size);
  img->SetRegions(region);
  img->SetSpacing(spacing);
  img->SetOrigin(origin);
  img->SetDirection(direction);
  img->Allocate();
  const auto data = v.data();
  std::transform(data.begin(), data.end(), img->GetBufferPointer(),
                 [](T x) { return static_cast<typename ImageT::PixelType>(x); });
  return img;
}

MaskObject::Pointer toMaskObject(const Mask& m) {
  auto object = MaskObject::New();
  object->SetImage(toItk<ItkMaskImage>(m));
  object->Update();
  return object;
}

// The v4 Mattes metric whose value-and-derivative threaders run one work unit: its derivative of
// a global transform is reduced under a try-lock in whichever order the work units finish, so
// more than one unit makes the result vary from run to run in the last bits (and the optimizer
// path with it). The rigid metric is cheap (thousands of samples, 6 parameters).
class SingleUnitMattesMetric
    : public itk::MattesMutualInformationImageToImageMetricv4<ItkImage, ItkImage> {
 public:
  using Self = SingleUnitMattesMetric;
  using Superclass = itk::MattesMutualInformationImageToImageMetricv4<ItkImage, ItkImage>;
  using Pointer = itk::SmartPointer<Self>;
  using ConstPointer = itk::SmartPointer<const Self>;
  itkNewMacro(Self) itkTypeMacro(SingleUnitMattesMetric, Superclass)

      SingleUnitMattesMetric(const SingleUnitMattesMetric&) = delete;
  SingleUnitMattesMetric& operator=(const SingleUnitMattesMetric&) = delete;

 protected:
  SingleUnitMattesMetric() {
    this->m_DenseGetValueAndDerivativeThreader->SetNumberOfWorkUnits(1);
    this->m_SparseGetValueAndDerivativeThreader->SetNumberOfWorkUnits(1);
  }
  ~SingleUnitMattesMetric() override = default;
};

// The first-framework Mattes metric with its samples moved off the voxel centres: drawn as
// usual (random voxels of the mask), then each moved by a uniform offset within its voxel, the
// fixed value interpolated there. Samples at voxel centres, on a moving image resampled onto the
// same grid, make the interpolation artefact of mutual information pull the B-spline towards 0.
class JitteredMattesMetric
    : public itk::MattesMutualInformationImageToImageMetric<ItkImage, ItkImage> {
 public:
  using Self = JitteredMattesMetric;
  using Superclass = itk::MattesMutualInformationImageToImageMetric<ItkImage, ItkImage>;
  using Pointer = itk::SmartPointer<Self>;
  using ConstPointer = itk::SmartPointer<const Self>;
  itkNewMacro(Self) itkTypeMacro(JitteredMattesMetric, Superclass)

      JitteredMattesMetric(const JitteredMattesMetric&) = delete;
  JitteredMattesMetric& operator=(const JitteredMattesMetric&) = delete;

  void setJitterSeed(std::uint64_t seed) { jitter_seed_ = seed; }

 protected:
  JitteredMattesMetric() = default;
  ~JitteredMattesMetric() override = default;

  void SampleFixedImageRegion(FixedImageSampleContainer& samples) const override {
    Superclass::SampleFixedImageRegion(samples);
    auto interpolator = itk::LinearInterpolateImageFunction<ItkImage, double>::New();
    interpolator->SetInputImage(this->m_FixedImage);
    std::mt19937_64 rng(jitter_seed_);
    auto offset = [&rng] { return static_cast<double>(rng() >> 11U) * 0x1.0p-53 - 0.5; };
    for (auto& s : samples) {
      itk::ContinuousIndex<double, 3> idx;
      this->m_FixedImage->TransformPhysicalPointToContinuousIndex(s.point, idx);
      for (unsigned a = 0; a < 3; ++a) idx[a] += offset();
      if (!interpolator->IsInsideBuffer(idx)) continue;
      this->m_FixedImage->TransformContinuousIndexToPhysicalPoint(idx, s.point);
      s.value = interpolator->EvaluateAtContinuousIndex(idx);
    }
  }

 private:
  std::uint64_t jitter_seed_ = 1;
};

std::string itkMessage(const itk::ExceptionObject& e) {
  const char* d = e.GetDescription();
  return d != nullptr ? d : e.what();
}

}  // namespace

namespace {

// The linear stage for either transform (VersorRigid3DTransform or AffineTransform): both have a
// centre, a translation and a matrix, and start from the identity matrix.
template <class Transform>
RigidParameters runLinearStage(const ImageVolume& fixed, const Mask& fixed_mask,
                               const ImageVolume& moving, const RigidParameters& initial,
                               const RegistrationOptions& options,
                               const RegistrationProgress& progress) {
  using Metric = SingleUnitMattesMetric;
  using Optimizer = itk::RegularStepGradientDescentOptimizerv4<double>;
  using Method = itk::ImageRegistrationMethodv4<ItkImage, ItkImage, Transform>;
  using Scales = itk::RegistrationParameterScalesFromPhysicalShift<Metric>;

  auto transform = Transform::New();
  typename Transform::CenterType centre;
  typename Transform::OutputVectorType translation;
  for (unsigned a = 0; a < 3; ++a) {
    centre[a] = initial.centre[a];
    translation[a] = initial.translation[a];
  }
  transform->SetCenter(centre);
  transform->SetTranslation(translation);

  auto metric = Metric::New();
  metric->SetNumberOfHistogramBins(kHistogramBins);
  metric->SetUseMovingImageGradientFilter(false);
  metric->SetUseFixedImageGradientFilter(false);
  metric->SetFixedImageMask(toMaskObject(fixed_mask));

  auto scales = Scales::New();
  scales->SetMetric(metric);
  scales->SetTransformForward(true);

  auto optimizer = Optimizer::New();
  optimizer->SetScalesEstimator(scales);
  optimizer->SetDoEstimateLearningRateOnce(false);
  optimizer->SetDoEstimateLearningRateAtEachIteration(false);
  optimizer->SetLearningRate(kRigidStepMm[0]);
  optimizer->SetMinimumStepLength(kRigidMinStepMm);
  optimizer->SetRelaxationFactor(0.5);
  optimizer->SetGradientMagnitudeTolerance(1e-12);
  optimizer->SetNumberOfIterations(static_cast<itk::SizeValueType>(options.rigid_iterations));
  optimizer->SetReturnBestParametersAndValue(true);

  auto method = Method::New();
  method->SetFixedImage(toItk<ItkImage>(fixed));
  method->SetMovingImage(toItk<ItkImage>(moving));
  method->SetMetric(metric);
  method->SetOptimizer(optimizer);
  method->SetInitialTransform(transform);
  method->InPlaceOn();
  method->InitializeCenterOfLinearOutputTransformOff();
  constexpr unsigned kLevels = 2;
  method->SetNumberOfLevels(kLevels);
  typename Method::ShrinkFactorsArrayType shrink(kLevels);
  shrink[0] = 2;
  shrink[1] = 1;
  method->SetShrinkFactorsPerLevel(shrink);
  typename Method::SmoothingSigmasArrayType sigmas(kLevels);
  sigmas[0] = options.rigid_spacing_mm;
  sigmas[1] = 0.0;
  method->SetSmoothingSigmasPerLevel(sigmas);
  method->SmoothingSigmasAreSpecifiedInPhysicalUnitsOn();
  // Share of the virtual-domain voxels drawn (then kept inside the mask): sampling_fraction of the
  // region voxels, at least kMinSamples of them where the region has that many.
  const double region_voxels = static_cast<double>(countNonZero(fixed_mask));
  typename Method::MetricSamplingPercentageArrayType percentage(kLevels);
  for (unsigned level = 0; level < kLevels; ++level) {
    const double at_level = region_voxels / (level == 0 ? 8.0 : 1.0);  // shrink 2 per axis
    const double wanted = std::min(
        at_level, std::max(options.sampling_fraction * at_level, static_cast<double>(kMinSamples)));
    percentage[level] = at_level > 0 ? std::min(1.0, wanted / at_level) : 1.0;
  }
  method->SetMetricSamplingStrategy(Method::MetricSamplingStrategyEnum::RANDOM);
  method->SetMetricSamplingPercentagePerLevel(percentage);
  method->MetricSamplingReinitializeSeed(static_cast<int>(options.seed & 0x7fffffffU));

  method->AddObserver(itk::MultiResolutionIterationEvent(), [&](const itk::EventObject&) {
    const unsigned level = method->GetCurrentLevel();
    optimizer->SetLearningRate(kRigidStepMm[std::min(level, kLevels - 1)]);
  });
  if (progress) {
    optimizer->AddObserver(itk::IterationEvent(), [&](const itk::EventObject&) {
      const double it = static_cast<double>(optimizer->GetCurrentIteration()) /
                        static_cast<double>(std::max(1, options.rigid_iterations));
      progress("rigid", std::min(1.0, (method->GetCurrentLevel() + std::min(1.0, it)) / kLevels));
    });
    progress("rigid", 0.0);
  }
  try {
    method->Update();
  } catch (const itk::ExceptionObject& e) {
    throw NoDataError("registration: the rigid stage failed: " + itkMessage(e));
  }
  if (progress) progress("rigid", 1.0);

  RigidParameters out;
  const auto& m = transform->GetMatrix();
  const auto& c = transform->GetCenter();
  const auto& t = transform->GetTranslation();
  for (unsigned a = 0; a < 3; ++a) {
    for (unsigned b = 0; b < 3; ++b) out.rotation(a, b) = m(a, b);
    out.centre[a] = c[a];
    out.translation[a] = t[a];
  }
  out.metric = optimizer->GetValue();
  return out;
}

}  // namespace

RigidParameters runRigidStage(const ImageVolume& fixed, const Mask& fixed_mask,
                              const ImageVolume& moving, const RigidParameters& initial,
                              const RegistrationOptions& options,
                              const RegistrationProgress& progress) {
  if (options.affine) {
    return runLinearStage<itk::AffineTransform<double, 3>>(fixed, fixed_mask, moving, initial,
                                                           options, progress);
  }
  return runLinearStage<itk::VersorRigid3DTransform<double>>(fixed, fixed_mask, moving, initial,
                                                             options, progress);
}

std::array<ImageVolume, 3> runDeformableStage(const DeformableInputs& inputs,
                                              const ImageGeometry& field_grid,
                                              const RegistrationOptions& options,
                                              const RegistrationProgress& progress) {
  using Transform = itk::BSplineTransform<double, 3, 3>;
  using Metric = JitteredMattesMetric;
  using Method = itk::ImageRegistrationMethod<ItkImage, ItkImage>;
  using Interpolator = itk::LinearInterpolateImageFunction<ItkImage, double>;
  using Optimizer = itk::LBFGSBOptimizer;

  // Control points over the fixed stage image (first to last voxel centre), spacing at most
  // bspline_grid_spacing_mm.
  const ImageGeometry& domain = inputs.fixed.geometry();
  auto transform = Transform::New();
  Transform::OriginType origin;
  Transform::PhysicalDimensionsType dims;
  Transform::MeshSizeType mesh;
  Transform::DirectionType direction;
  for (unsigned a = 0; a < 3; ++a) {
    origin[a] = domain.origin()[a];
    dims[a] = std::max(1.0, static_cast<double>(domain.size()[a]) - 1.0) * domain.spacing()[a];
    mesh[a] = static_cast<unsigned>(
        std::max(1.0, std::ceil(dims[a] / options.bspline_grid_spacing_mm - 1e-6)));
    for (unsigned b = 0; b < 3; ++b) direction(a, b) = domain.direction()(a, b);
  }
  transform->SetTransformDomainOrigin(origin);
  transform->SetTransformDomainPhysicalDimensions(dims);
  transform->SetTransformDomainMeshSize(mesh);
  transform->SetTransformDomainDirection(direction);
  transform->SetIdentity();
  const unsigned n_params = transform->GetNumberOfParameters();

  auto metric = Metric::New();
  metric->SetNumberOfHistogramBins(kHistogramBins);
  metric->SetUseExplicitPDFDerivatives(false);  // one pass per sample, no bins x parameters array
  metric->SetUseCachingOfBSplineWeights(true);
  metric->SetFixedImageMask(toMaskObject(inputs.mask));
  const auto valid = inputs.moving_valid.data();
  if (std::any_of(valid.begin(), valid.end(), [](std::uint8_t v) { return v == 0; })) {
    metric->SetMovingImageMask(toMaskObject(inputs.moving_valid));
  }
  const auto region_voxels = static_cast<double>(countNonZero(inputs.mask));
  const double samples = std::min(region_voxels, std::max(options.sampling_fraction * region_voxels,
                                                          static_cast<double>(kMinSamples)));
  metric->SetNumberOfSpatialSamples(static_cast<itk::SizeValueType>(samples));
  metric->ReinitializeSeed(static_cast<int>(options.seed & 0x7fffffffU));
  metric->setJitterSeed(options.seed);
  metric->SetNumberOfWorkUnits(kDeformableWorkUnits);

  const auto iterations = static_cast<unsigned>(std::max(1, options.deformable_iterations));
  auto optimizer = Optimizer::New();
  Optimizer::BoundSelectionType bound_selection(n_params);
  Optimizer::BoundValueType lower(n_params);
  Optimizer::BoundValueType upper(n_params);
  bound_selection.Fill(0);  // unbounded
  lower.Fill(0.0);
  upper.Fill(0.0);
  optimizer->SetBoundSelection(bound_selection);
  optimizer->SetLowerBound(lower);
  optimizer->SetUpperBound(upper);
  optimizer->SetCostFunctionConvergenceFactor(1e7);
  optimizer->SetProjectedGradientTolerance(1e-12);  // stop on iterations, not on a tiny gradient
  optimizer->SetMaximumNumberOfIterations(iterations);
  optimizer->SetMaximumNumberOfEvaluations(3 * iterations);
  optimizer->SetMaximumNumberOfCorrections(7);
  if (progress) {
    optimizer->AddObserver(itk::IterationEvent(), [&](const itk::EventObject&) {
      progress("deformable", std::min(1.0, static_cast<double>(optimizer->GetCurrentIteration()) /
                                               static_cast<double>(iterations)));
    });
    progress("deformable", 0.0);
  }

  auto fixed = toItk<ItkImage>(inputs.fixed);
  auto method = Method::New();
  method->SetMetric(metric);
  method->SetOptimizer(optimizer);
  method->SetTransform(transform);
  method->SetInterpolator(Interpolator::New());
  method->SetFixedImage(fixed);
  method->SetMovingImage(toItk<ItkImage>(inputs.moving));
  method->SetFixedImageRegion(fixed->GetBufferedRegion());
  method->SetInitialTransformParameters(transform->GetParameters());
  method->SetNumberOfWorkUnits(kDeformableWorkUnits);  // passed on to the metric at Initialize()
  try {
    method->Update();
  } catch (const itk::ExceptionObject& e) {
    throw NoDataError("registration: the deformable stage failed: " + itkMessage(e));
  }
  transform->SetParametersByValue(method->GetLastTransformParameters());
  if (progress) progress("deformable", 1.0);

  // b(x) - x on the field grid (zero outside the B-spline's support).
  std::array<ImageVolume, 3> out{ImageVolume(field_grid, 0.0F), ImageVolume(field_grid, 0.0F),
                                 ImageVolume(field_grid, 0.0F)};
  const auto& n = field_grid.size();
  const Transform* t = transform.GetPointer();
  parallelFor(n[2], [&](std::size_t k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        const Vec3 x = field_grid.indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
        Transform::InputPointType p;
        for (unsigned a = 0; a < 3; ++a) p[a] = x[a];
        const Transform::OutputPointType y = t->TransformPoint(p);
        for (unsigned a = 0; a < 3; ++a) out[a](i, j, k) = static_cast<float>(y[a] - x[a]);
      }
    }
  });
  return out;
}

}  // namespace rfa::followup::regdetail
