# The install tests, run with cmake -P (tests/CMakeLists.txt registers them).
#
# MODE=find_package: installs the flexsync build tree BUILD_DIR into
# WORK_DIR/prefix, checks that every installed header's includes are
# installed too and that nothing installed or compiled points into the source
# tree SOURCE_DIR, then configures, builds and runs the project of this folder
# against the prefix; it must print "counter = 3".
#
# MODE=add_subdirectory: configures subdirectory/, which pulls SOURCE_DIR in
# with add_subdirectory() and checks that only the libraries come along.
# Configure only: building flexsync a second time costs minutes.
#
# Also: CXX_COMPILER, BUILD_TYPE, GENERATOR, SANITIZE (FLEXSYNC_SANITIZE).
cmake_minimum_required(VERSION 3.18)
set(example_dir ${CMAKE_CURRENT_LIST_DIR})

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "failed (${rc}): ${cmd}\n${out}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

set(configure_args -G "${GENERATOR}" -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
                   -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
if(SANITIZE)
  # flexsync's libraries then need the sanitizers' runtimes.
  list(APPEND configure_args
       "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined")
endif()

file(REMOVE_RECURSE ${WORK_DIR})

if(MODE STREQUAL "add_subdirectory")
  run(${CMAKE_COMMAND} -S ${example_dir}/subdirectory -B ${WORK_DIR}
      ${configure_args} -DFLEXSYNC_SOURCE_DIR=${SOURCE_DIR})
  message(STATUS "add_subdirectory(flexsync) configures")
  return()
endif()

set(prefix ${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

# Every quoted include of an installed header must be installed as well.
set(include_dir ${prefix}/include/flexsync)
file(GLOB_RECURSE headers RELATIVE ${include_dir} ${include_dir}/*.hpp)
list(LENGTH headers header_count)
if(header_count EQUAL 0)
  message(FATAL_ERROR "no headers under ${include_dir}")
endif()
foreach(header IN LISTS headers)
  file(STRINGS ${include_dir}/${header} includes REGEX "^#include \"")
  foreach(line IN LISTS includes)
    string(REGEX REPLACE "^#include \"([^\"]+)\".*" "\\1" included "${line}")
    if(NOT EXISTS ${include_dir}/${included})
      message(FATAL_ERROR "${header} includes ${included}, which is not installed")
    endif()
  endforeach()
endforeach()

# The package refers to the prefix (relative paths), never to the sources.
file(GLOB_RECURSE package_files ${prefix}/*.cmake)
foreach(f IN LISTS package_files)
  file(READ ${f} text)
  string(FIND "${text}" "${SOURCE_DIR}/" pos)
  if(NOT pos EQUAL -1)
    message(FATAL_ERROR "${f} names the source tree ${SOURCE_DIR}")
  endif()
endforeach()

set(example_build ${WORK_DIR}/build)
run(${CMAKE_COMMAND} -S ${example_dir} -B ${example_build} ${configure_args}
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)

# The program compiles against the prefix only: no include directory in the
# source tree other than the prefix (which may lie inside it, under build/).
file(READ ${example_build}/compile_commands.json commands)
string(REGEX MATCHALL "(-I|-isystem )[^ \"]+" include_flags "${commands}")
foreach(flag IN LISTS include_flags)
  string(REGEX REPLACE "^(-I|-isystem )" "" path "${flag}")
  string(FIND "${path}/" "${SOURCE_DIR}/" in_sources)
  string(FIND "${path}/" "${prefix}/" in_prefix)
  if(in_sources EQUAL 0 AND NOT in_prefix EQUAL 0)
    message(FATAL_ERROR "the example compiles with ${flag}")
  endif()
endforeach()

run(${CMAKE_COMMAND} --build ${example_build})
run(${example_build}/counter)
if(NOT out MATCHES "counter = 3")
  message(FATAL_ERROR "the example printed:\n${out}")
endif()
message(STATUS "${header_count} headers installed; the example prints: ${out}")
