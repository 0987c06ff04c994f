# The fuzz targets (tests/fuzz/<target>.cpp), the libraries each links and
# the program sources some compile besides (FLEXSYNC_FUZZ_SOURCES_<target>),
# shared by the replay build (tests/fuzz/CMakeLists.txt) and the libFuzzer
# sub-build (tests/fuzz/libfuzzer/). The sub-build compiles only CAF-free
# libraries, so the targets that need CAF are replayed but not fuzzed in CI.
set(FLEXSYNC_FUZZ_TARGETS frames handshake journal snapshot recovery_marker
                          config quorum_spec console)
set(FLEXSYNC_FUZZ_LIBS_frames flexsync_wire)
set(FLEXSYNC_FUZZ_LIBS_handshake flexsync_wire)
set(FLEXSYNC_FUZZ_LIBS_journal flexsync_journal)
set(FLEXSYNC_FUZZ_LIBS_snapshot flexsync_snapshot)
set(FLEXSYNC_FUZZ_LIBS_recovery_marker flexsync_snapshot)
set(FLEXSYNC_FUZZ_LIBS_config flexsync_protocol)
set(FLEXSYNC_FUZZ_LIBS_quorum_spec flexsync_protocol)
set(FLEXSYNC_FUZZ_LIBS_console flexsync_protocol)
# Sources a target compiles besides its own (from programs, not libraries).
set(FLEXSYNC_FUZZ_SOURCES_console
    ${CMAKE_CURRENT_LIST_DIR}/../../scenarios/examples/console_commands.cpp
    ${CMAKE_CURRENT_LIST_DIR}/../../scenarios/examples/console_bench.cpp)
set(FLEXSYNC_FUZZ_CAF_TARGETS peer_codec admin_requests node_options)
set(FLEXSYNC_FUZZ_LIBS_peer_codec flexsync_actors)
set(FLEXSYNC_FUZZ_LIBS_admin_requests flexsync_admin)
set(FLEXSYNC_FUZZ_SOURCES_node_options
    ${CMAKE_CURRENT_LIST_DIR}/../../scenarios/examples/node_program_config.cpp)
set(FLEXSYNC_FUZZ_LIBS_node_options flexsync flexsync_admin)
