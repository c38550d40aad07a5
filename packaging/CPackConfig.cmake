# CPack: a Debian package that installs rfaplan (and, once it exists, rfaplan-gui).
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
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "rfaplan loads CT/MR DICOM series, segments the liver and lesions, simulates thermal\n ablation zones and plans batches of radiofrequency ablation sessions.\n .\n RESEARCH USE ONLY. Not a medical device; not for clinical decisions.")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
include(CPack)
