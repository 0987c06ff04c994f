# Reference documentation, when Doxygen is installed (setup.sh installs it):
#   cmake --build build --target docs   ->  build/docs/html/index.html
# It covers the headers a user includes (the node handle, its configuration
# and status, the transports, replicated objects and coroutines, every
# battery, metrics, the admin client); the installed headers they include
# in turn are internals and not documented as API.
include(${CMAKE_CURRENT_LIST_DIR}/api_headers.cmake)

find_package(Doxygen QUIET)
if(NOT DOXYGEN_FOUND)
  return()
endif()
set(FLEXSYNC_DOCS_INPUT "")
foreach(header IN LISTS FLEXSYNC_API_HEADERS)
  string(APPEND FLEXSYNC_DOCS_INPUT " ${PROJECT_SOURCE_DIR}/${header}")
endforeach()
set(FLEXSYNC_DOCS_OUTPUT ${PROJECT_BINARY_DIR}/docs)
configure_file(${PROJECT_SOURCE_DIR}/cmake/Doxyfile.in
               ${PROJECT_BINARY_DIR}/Doxyfile @ONLY)
add_custom_target(docs
  COMMAND ${CMAKE_COMMAND} -E make_directory ${FLEXSYNC_DOCS_OUTPUT}
  COMMAND ${DOXYGEN_EXECUTABLE} ${PROJECT_BINARY_DIR}/Doxyfile
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  COMMENT "Reference documentation in ${FLEXSYNC_DOCS_OUTPUT}/html"
  VERBATIM)
if(FLEXSYNC_BUILD_TESTS)
  # Every entity of the public API is documented, and no comment is
  # malformed: doxygen's warning log must come out empty.
  add_test(NAME docs.api_documented
           COMMAND ${CMAKE_COMMAND}
                   -DDOXYGEN=${DOXYGEN_EXECUTABLE}
                   -DDOXYFILE=${PROJECT_BINARY_DIR}/Doxyfile
                   -DOUTPUT=${FLEXSYNC_DOCS_OUTPUT}
                   -DSOURCE=${PROJECT_SOURCE_DIR}
                   -P ${PROJECT_SOURCE_DIR}/cmake/check_docs.cmake)
endif()
