# Use ccache for every compiler launch when it is installed (a 2-core CI lives on it).
find_program(RFA_CCACHE ccache)
if(RFA_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_C_COMPILER_LAUNCHER ${RFA_CCACHE})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${RFA_CCACHE})
  message(STATUS "rfaplan: using ccache (${RFA_CCACHE})")
endif()
