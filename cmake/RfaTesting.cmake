# rfa_add_test(NAME name LABELS label SOURCES ... LIBS ...)
# One GoogleTest executable, discovered by ctest with the given labels.
# Tests find shared test data through RFA_SHARED_DIR (default: <source>/../shared).
set(RFA_SHARED_DIR "${CMAKE_SOURCE_DIR}/../shared" CACHE PATH "Shared test data root (../shared)")
function(rfa_add_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "LABELS;SOURCES;LIBS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} rfa::testsupport GTest::gtest GTest::gtest_main
                                          rfa::project_options)
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 600)
  endif()
  # One label per suite: gtest_discover_tests cannot pass a list-valued property.
  list(LENGTH T_LABELS _n)
  if(NOT _n EQUAL 1)
    message(FATAL_ERROR "rfa_add_test(${T_NAME}): give exactly one label (presets select by regex)")
  endif()
  gtest_discover_tests(${T_NAME}
    PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
               ENVIRONMENT "RFA_SHARED_DIR=${RFA_SHARED_DIR}"
    DISCOVERY_TIMEOUT 60)
endfunction()

# GL tests run on a private Xvfb display (tests/run_with_xvfb.sh: Xvfb -displayfd, no xauth) when
# Xvfb is installed; RFA_XVFB_LAUNCHER is empty otherwise (those tests then skip with the reason).
find_program(RFA_XVFB Xvfb)
if(RFA_XVFB)
  set(RFA_XVFB_LAUNCHER ${CMAKE_SOURCE_DIR}/tests/run_with_xvfb.sh)
else()
  set(RFA_XVFB_LAUNCHER "")
endif()
