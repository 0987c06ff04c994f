# Runs doxygen on the public API (see docs.cmake) and fails when it warns,
# printing the warnings: an undocumented entity or a malformed comment.
file(MAKE_DIRECTORY ${OUTPUT})
file(REMOVE ${OUTPUT}/warnings.txt)
execute_process(COMMAND ${DOXYGEN} ${DOXYFILE}
                WORKING_DIRECTORY ${SOURCE}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "doxygen failed (exit ${rc})")
endif()
file(READ ${OUTPUT}/warnings.txt warnings)
string(STRIP "${warnings}" warnings)
if(NOT warnings STREQUAL "")
  string(REGEX MATCHALL "\n" lines "\n${warnings}")
  list(LENGTH lines n)
  message(FATAL_ERROR "the public API has ${n} doxygen warnings:\n${warnings}")
endif()
message(STATUS "public API fully documented")
