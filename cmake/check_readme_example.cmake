# Fails unless README.md contains, verbatim, the lines between
# "// BEGIN README" and "// END README" of the example file EXAMPLE.
file(READ "${EXAMPLE}" example)
string(REGEX MATCH "// BEGIN README\n(.*)// END README" _ "${example}")
set(snippet "${CMAKE_MATCH_1}")
if(snippet STREQUAL "")
  message(FATAL_ERROR "${EXAMPLE}: no BEGIN/END README markers")
endif()
file(READ "${README}" readme)
string(FIND "${readme}" "${snippet}" pos)
if(pos EQUAL -1)
  message(FATAL_ERROR "README.md does not contain the example of ${EXAMPLE} verbatim")
endif()
