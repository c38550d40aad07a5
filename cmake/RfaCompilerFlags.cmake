# Warning and sanitizer flags, applied to project targets only (never to third-party code).
add_library(rfa_project_options INTERFACE)
add_library(rfa::project_options ALIAS rfa_project_options)
target_compile_options(rfa_project_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wimplicit-fallthrough
  $<$<BOOL:${RFA_WERROR}>:-Werror>)

if(RFA_SANITIZE)
  set(_rfa_san -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_compile_options(rfa_project_options INTERFACE ${_rfa_san})
  target_link_options(rfa_project_options INTERFACE ${_rfa_san})
endif()

# Third-party headers (ITK, DCMTK, Eigen) are included as SYSTEM so their warnings do not fail -Werror.
