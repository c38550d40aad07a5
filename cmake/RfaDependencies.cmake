# Third-party packages, each found once and wrapped in an rfa::dep_* interface target.
find_package(Threads REQUIRED)
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
find_package(nlohmann_json 3 REQUIRED)
find_package(ZLIB REQUIRED)

find_package(DCMTK REQUIRED CONFIG)
add_library(rfa_dep_dcmtk INTERFACE)
target_link_libraries(rfa_dep_dcmtk INTERFACE DCMTK::dcmdata DCMTK::dcmimgle DCMTK::dcmjpeg
                      DCMTK::dcmjpls DCMTK::oflog DCMTK::ofstd)
add_library(rfa::dep_dcmtk ALIAS rfa_dep_dcmtk)

# OpenJPEG decodes JPEG 2000 codestreams, which DCMTK's free codecs cannot (DCMTK extracts them).
find_package(OpenJPEG REQUIRED CONFIG PATHS /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/openjpeg-2.5)
add_library(rfa_dep_openjpeg INTERFACE)
target_include_directories(rfa_dep_openjpeg SYSTEM INTERFACE ${OPENJPEG_INCLUDE_DIRS})
target_link_libraries(rfa_dep_openjpeg INTERFACE openjp2)
add_library(rfa::dep_openjpeg ALIAS rfa_dep_openjpeg)

if(RFA_FUZZ_ONLY)
  return()
endif()

# ITK: image file IO (NRRD, NIfTI) in rfa::io, the GDCM series reader used as benchmark baseline, and
# the follow-up registration in rfa::followup (v4 rigid, first-framework Mattes + L-BFGS-B B-spline).
find_package(ITK 5.2 REQUIRED COMPONENTS ITKCommon ITKIOImageBase ITKIONRRD ITKIONIFTI ITKIOMeta ITKIOGDCM
             ITKRegionGrowing ITKRegistrationMethodsv4 ITKOptimizersv4 ITKMetricsv4
             ITKTransform ITKDisplacementField ITKImageGrid ITKSmoothing
             ITKRegistrationCommon ITKOptimizers ITKSpatialObjects)
add_library(rfa_dep_itk INTERFACE)
target_include_directories(rfa_dep_itk SYSTEM INTERFACE ${ITK_INCLUDE_DIRS})
target_link_libraries(rfa_dep_itk INTERFACE ${ITK_LIBRARIES})
add_library(rfa::dep_itk ALIAS rfa_dep_itk)

# DCMTK's RT (RT Structure Set IOD), SEG/functional-group/IOD and network (DIMSE SCU) libraries:
# rfa::dicomexport and rfa::pacs only (not in the fuzz build).
add_library(rfa_dep_dcmtk_rt INTERFACE)
target_link_libraries(rfa_dep_dcmtk_rt INTERFACE DCMTK::dcmrt DCMTK::dcmseg DCMTK::dcmfg DCMTK::dcmiod
                      rfa::dep_dcmtk)
add_library(rfa::dep_dcmtk_rt ALIAS rfa_dep_dcmtk_rt)
add_library(rfa_dep_dcmtk_net INTERFACE)
target_link_libraries(rfa_dep_dcmtk_net INTERFACE DCMTK::dcmnet rfa::dep_dcmtk)
add_library(rfa::dep_dcmtk_net ALIAS rfa_dep_dcmtk_net)

# cairo: PDF pages of the tumour-board report (rfa::report), headless.
find_package(PkgConfig REQUIRED)
pkg_check_modules(CAIRO REQUIRED IMPORTED_TARGET cairo)
add_library(rfa_dep_cairo INTERFACE)
target_link_libraries(rfa_dep_cairo INTERFACE PkgConfig::CAIRO)
add_library(rfa::dep_cairo ALIAS rfa_dep_cairo)

# libdeflate: gzip of .nii.gz volumes, block-parallel in rfa::io (zlib's deflate is 2-3x slower).
pkg_check_modules(LIBDEFLATE REQUIRED IMPORTED_TARGET libdeflate)
add_library(rfa_dep_libdeflate INTERFACE)
target_link_libraries(rfa_dep_libdeflate INTERFACE PkgConfig::LIBDEFLATE)
add_library(rfa::dep_libdeflate ALIAS rfa_dep_libdeflate)

# VTK 9.1 (Debian): rendering of a case in rfa::render (no Qt module: Debian builds VTK's Qt support
# against Qt5, the GUI is Qt6). VTK's targets are imported, so CMake passes their headers as SYSTEM
# (-isystem) and their warnings do not fail -Werror.
find_package(VTK 9.1 REQUIRED COMPONENTS CommonCore CommonDataModel CommonExecutionModel CommonMath
             CommonTransforms RenderingCore RenderingOpenGL2 RenderingVolume RenderingVolumeOpenGL2
             RenderingAnnotation RenderingFreeType RenderingImage InteractionStyle ImagingCore
             ImagingGeneral FiltersCore FiltersGeneral FiltersSources FiltersModeling IOImage)
add_library(rfa_dep_vtk INTERFACE)
target_link_libraries(rfa_dep_vtk INTERFACE ${VTK_LIBRARIES})
add_library(rfa::dep_vtk ALIAS rfa_dep_vtk)
# X11 (optional): offscreenRenderingAvailable() probes the display before VTK opens it.
find_package(X11 QUIET)

find_package(CLI11 QUIET CONFIG)
if(NOT TARGET CLI11::CLI11)
  find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
  add_library(CLI11::CLI11 INTERFACE IMPORTED)
  target_include_directories(CLI11::CLI11 INTERFACE ${CLI11_INCLUDE_DIR})
endif()

if(RFA_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(RFA_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
