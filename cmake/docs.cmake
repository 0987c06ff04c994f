# Reference documentation, when Doxygen is installed (setup.sh installs it):
#   cmake --build build --target docs   ->  build/docs/html/index.html
# It covers the headers a user includes (the node handle, its configuration
# and status, the transports, replicated objects and coroutines, every
# battery, metrics, the admin client); the installed headers they include
# in turn are internals and not documented as API.
set(FLEXSYNC_API_HEADERS
  actors/node/node.hpp
  actors/node/node_status.hpp
  actors/node/logger.hpp
  actors/node/manual_loop.hpp
  actors/node/system_config.hpp
  actors/objects/coro.hpp
  actors/objects/replicated_object.hpp
  actors/transport/local_network.hpp
  actors/transport/tcp_transport.hpp
  admin/admin_client.hpp
  protocol/config.hpp
  protocol/fail_reason.hpp
  protocol/metrics.hpp
  protocol/placement.hpp
  protocol/quorum_spec.hpp
  protocol/read_mode.hpp
  protocol/types.hpp
  state_machines/battery.hpp
  state_machines/lock_client.hpp
  state_machines/repl_counter.hpp
  state_machines/repl_dict.hpp
  state_machines/repl_list.hpp
  state_machines/repl_lock_manager.hpp
  state_machines/repl_priority_queue.hpp
  state_machines/repl_queue.hpp
  state_machines/repl_set.hpp
  state_machines/state_machine.hpp)

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
