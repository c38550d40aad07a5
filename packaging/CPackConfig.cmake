# CPack: a Debian package that installs rfaplan and rfaplan-gui (when built) with the resources.
set(CPACK_PACKAGE_NAME "rfaplan")
set(CPACK_PACKAGE_VENDOR "rfaplan developers")
set(CPACK_PACKAGE_CONTACT "rfaplan developers <dev@rfaplan.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Planning of ultrasound-guided RF ablation of liver metastases (RESEARCH USE ONLY)")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_GENERATOR "DEB")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "science")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# What dpkg-shlibdeps cannot see (loaded at run time, not linked): the report's font (cairo's toy
# text API asks fontconfig for DejaVu Sans) and Qt's platform plugins (xcb) for rfaplan-gui; Mesa's
# EGL/GL drivers for the GLSL backend and the views (without them the thermal backend 'auto' falls
# back to the CPU).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "fonts-dejavu-core")
if(RFA_BUILD_GUI)
  string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS ", qt6-qpa-plugins")
endif()
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libegl-mesa0, libgl1-mesa-dri, xvfb")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "rfaplan loads CT/MR DICOM series, segments the liver and lesions, simulates thermal\n ablation zones and plans batches of radiofrequency ablation sessions.\n .\n RESEARCH USE ONLY. Not a medical device; not for clinical decisions.")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
include(CPack)
