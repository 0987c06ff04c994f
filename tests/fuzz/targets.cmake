# The fuzz targets (tests/fuzz/<target>.cpp) and the CAF-free libraries each
# links, shared by the replay build (tests/fuzz/CMakeLists.txt) and the
# libFuzzer sub-build (tests/fuzz/libfuzzer/).
set(FLEXSYNC_FUZZ_TARGETS frames handshake journal snapshot recovery_marker
                          config)
set(FLEXSYNC_FUZZ_LIBS_frames flexsync_wire)
set(FLEXSYNC_FUZZ_LIBS_handshake flexsync_wire)
set(FLEXSYNC_FUZZ_LIBS_journal flexsync_journal)
set(FLEXSYNC_FUZZ_LIBS_snapshot flexsync_snapshot)
set(FLEXSYNC_FUZZ_LIBS_recovery_marker flexsync_snapshot)
set(FLEXSYNC_FUZZ_LIBS_config flexsync_protocol)
