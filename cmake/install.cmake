# `cmake --install build --prefix P` installs flexsync as a CMake package:
#   P/lib/libflexsync*.a                     the nine static libraries
#   P/include/flexsync/<repo path>.hpp       the public headers
#   P/bin/flexsync-node, flexsync-admin      the node program and its admin
#                                            tool
#   P/lib/cmake/flexsync/                    flexsyncConfig.cmake, its version
#                                            file, the exported targets and
#                                            FindCAF.cmake
# A user then writes find_package(flexsync CONFIG REQUIRED) and links
# flexsync::flexsync. Headers keep their repository paths, so the installed
# include directory is include/flexsync and "actors/node/node.hpp" style
# includes work as they do in the source tree.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(FLEXSYNC_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/flexsync)
set(FLEXSYNC_INCLUDE_DIR ${CMAKE_INSTALL_INCLUDEDIR}/flexsync)

# What a user's translation unit can reach: the node handle, its
# configuration, both transports, the replicated-object API and every
# battery, and whatever those include (transitively). The actors' internals,
# the transport's wire code, the pure rules, the simulator and the tests stay
# out. The test install.find_package_example fails when an installed header
# includes one that is not installed.
include(${CMAKE_CURRENT_LIST_DIR}/api_headers.cmake)
set(FLEXSYNC_PUBLIC_HEADERS ${FLEXSYNC_API_HEADERS}
  actors/node/observer.hpp
  actors/node/persistence.hpp
  actors/node/type_ids.hpp
  actors/node/wiring.hpp
  actors/objects/state_snapshot.hpp
  admin/admin_actor.hpp
  admin/admin_cli.hpp
  admin/admin_format.hpp
  admin/admin_types.hpp
  protocol/admin.hpp
  protocol/config_log.hpp
  protocol/config_error.hpp
  protocol/incarnation.hpp
  protocol/log_entry.hpp
  protocol/log_view.hpp
  protocol/shared_bytes.hpp
  protocol/memory_storage.hpp
  protocol/membership.hpp
  protocol/workload.hpp
  protocol/quorum.hpp
  protocol/recovery.hpp
  protocol/storage.hpp
  protocol/votes.hpp
  snapshot/disk/disk.hpp
  snapshot/files/recovery_marker.hpp
  snapshot/files/snapshot_store.hpp
  snapshot/log/journal.hpp
  state_machines/bounded_queue.hpp
  state_machines/compact_string.hpp
  state_machines/sorted_map.hpp)

foreach(header IN LISTS FLEXSYNC_PUBLIC_HEADERS)
  get_filename_component(dir ${header} DIRECTORY)
  install(FILES ${PROJECT_SOURCE_DIR}/${header}
          DESTINATION ${FLEXSYNC_INCLUDE_DIR}/${dir})
endforeach()

install(TARGETS ${FLEXSYNC_LIBRARIES} EXPORT flexsyncTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${FLEXSYNC_INCLUDE_DIR})
install(TARGETS flexsync-node flexsync-admin
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(EXPORT flexsyncTargets NAMESPACE flexsync::
        DESTINATION ${FLEXSYNC_CMAKE_DIR})
configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/flexsyncConfig.cmake.in
  ${PROJECT_BINARY_DIR}/flexsyncConfig.cmake
  INSTALL_DESTINATION ${FLEXSYNC_CMAKE_DIR})
# 0.x: a minor version may break the API.
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/flexsyncConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/flexsyncConfig.cmake
              ${PROJECT_BINARY_DIR}/flexsyncConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/FindCAF.cmake
        DESTINATION ${FLEXSYNC_CMAKE_DIR})
