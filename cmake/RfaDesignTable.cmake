# cmake -DGENERATED=<build>/module_table.md -DDOC=docs/design.md [-DUPDATE=ON] -P RfaDesignTable.cmake
# Compares (or, with UPDATE=ON, replaces) the table between the markers
#   <!-- module-table:begin (generated from the CMake targets; see cmake/RfaModuleGraph.cmake) -->
#   <!-- module-table:end -->
# in DOC with the table the configure step generated from the CMake target graph.
file(READ ${GENERATED} generated)
file(READ ${DOC} doc)
set(begin_re "<!-- module-table:begin[^>]*-->\n")
set(end_marker "<!-- module-table:end -->")
string(REGEX MATCH "${begin_re}" begin_marker "${doc}")
string(FIND "${doc}" "${end_marker}" end_pos)
if(NOT begin_marker OR end_pos EQUAL -1)
  message(FATAL_ERROR "${DOC}: the module-table markers are missing")
endif()
string(FIND "${doc}" "${begin_marker}" begin_pos)
string(LENGTH "${begin_marker}" begin_len)
math(EXPR body_pos "${begin_pos} + ${begin_len}")
math(EXPR body_len "${end_pos} - ${body_pos}")
string(SUBSTRING "${doc}" ${body_pos} ${body_len} current)
if(current STREQUAL generated)
  message(STATUS "${DOC}: the module table matches the CMake target graph")
  return()
endif()
if(UPDATE)
  string(SUBSTRING "${doc}" 0 ${body_pos} head)
  string(SUBSTRING "${doc}" ${end_pos} -1 tail)
  file(WRITE ${DOC} "${head}${generated}${tail}")
  message(STATUS "${DOC}: module table updated from the CMake target graph")
  return()
endif()
message(FATAL_ERROR "${DOC}: the module table differs from the CMake target graph.\n"
        "In the document:\n${current}\nFrom CMake (${GENERATED}):\n${generated}\n"
        "Update it with: cmake --build --preset release --target design-table")
